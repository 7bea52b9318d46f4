import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, ConfigError } from '../../src/config/index.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'hermetic-config-'));

test('defaults apply with no configuration', () => {
  const dataDir = tmp();
  const c = loadConfig({ env: { HERMETIC_DATA_DIR: dataDir } });
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.port, 7878);
  assert.equal(c.strictness, 'standard');
  assert.equal(c.dataDir, dataDir);
  assert.equal(c.rateLimit.max, 100);
});

test('XDG data dir is the default data dir', () => {
  const c = loadConfig({ env: { XDG_DATA_HOME: '/tmp/xdg-test-home' } });
  assert.equal(c.dataDir, '/tmp/xdg-test-home/hermetic');
});

test('precedence: defaults < config.json < env < flags', () => {
  const dataDir = tmp();
  writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ port: 1111, strictness: 'strict', jobTimeoutMs: 5000 }));
  const fileOnly = loadConfig({ env: { HERMETIC_DATA_DIR: dataDir } });
  assert.equal(fileOnly.port, 1111);
  assert.equal(fileOnly.strictness, 'strict');
  const envOver = loadConfig({ env: { HERMETIC_DATA_DIR: dataDir, HERMETIC_PORT: '2222' } });
  assert.equal(envOver.port, 2222);
  assert.equal(envOver.strictness, 'strict');
  const flagOver = loadConfig({ env: { HERMETIC_DATA_DIR: dataDir, HERMETIC_PORT: '2222' }, flags: { port: 3333, strictness: 'paranoid' } });
  assert.equal(flagOver.port, 3333);
  assert.equal(flagOver.strictness, 'paranoid');
  assert.equal(flagOver.jobTimeoutMs, 5000);
});

test('nested keys merge across sources', () => {
  const dataDir = tmp();
  writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ rateLimit: { max: 5 } }));
  const c = loadConfig({ env: { HERMETIC_DATA_DIR: dataDir, HERMETIC_RATE_LIMIT_WINDOW_MS: '2000' } });
  assert.deepEqual(c.rateLimit, { max: 5, windowMs: 2000 });
});

function expectError(fn: () => unknown, ...fragments: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    assert.equal(e.exitCode, 2);
    for (const f of fragments) assert.ok(e.message.includes(f), `"${e.message}" should mention "${f}"`);
    return true;
  });
}

test('invalid strictness names the key and the allowed values', () => {
  expectError(() => loadConfig({ env: { HERMETIC_DATA_DIR: tmp() }, flags: { strictness: 'loose' } }),
    'strictness', 'standard | strict | paranoid');
});

test('invalid port from env names the key', () => {
  expectError(() => loadConfig({ env: { HERMETIC_DATA_DIR: tmp(), HERMETIC_PORT: '70000' } }), 'port');
  expectError(() => loadConfig({ env: { HERMETIC_DATA_DIR: tmp(), HERMETIC_PORT: 'abc' } }), 'port');
});

test('invalid boolean from env names the key', () => {
  expectError(() => loadConfig({ env: { HERMETIC_DATA_DIR: tmp(), HERMETIC_ALLOW_NON_LOOPBACK: 'maybe' } }), 'allowNonLoopback');
});

test('unknown key in config.json is refused by name', () => {
  const dataDir = tmp();
  writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ telemetry: true }));
  expectError(() => loadConfig({ env: { HERMETIC_DATA_DIR: dataDir } }), 'telemetry', 'unknown configuration key');
});

test('config.json that is not JSON, or not an object, is a clear error', () => {
  const a = tmp();
  writeFileSync(join(a, 'config.json'), '{ nope');
  expectError(() => loadConfig({ env: { HERMETIC_DATA_DIR: a } }), 'config.json', 'not valid JSON');
  const b = tmp();
  writeFileSync(join(b, 'config.json'), '[1,2]');
  expectError(() => loadConfig({ env: { HERMETIC_DATA_DIR: b } }), 'must contain a JSON object');
});

test('invalid nested value names the dotted key', () => {
  expectError(() => loadConfig({ env: { HERMETIC_DATA_DIR: tmp(), HERMETIC_RATE_LIMIT_MAX: '0' } }), 'rateLimit.max');
});
