// Issue 19: a relative --data-dir (or HERMETIC_DATA_DIR, or a relative convertersDir in
// config.json) is resolved once, where configuration is read — not handed to the jail, a child
// with another working folder, or server.json as is ("jail helper exited (125)").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { cliPath, fixturesDir, testNode } from '../helpers/paths.js';
import { loadConfig } from '../../src/config/index.js';
import { helperBuilt } from '../../src/isolation/jail/index.js';

const env = () => ({ ...process.env, HERMETIC_LOG_LEVEL: 'silent' }) as Record<string, string>;

test('loadConfig: relative dataDir/convertersDir from flags and env resolve against the working folder, from config.json against the data dir', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'hermetic-relcfg-'));
  try {
    const a = loadConfig({ cwd, env: {}, flags: { dataDir: './rel', convertersDir: 'plugins' } });
    assert.equal(a.dataDir, join(cwd, 'rel'));
    assert.equal(a.convertersDir, join(cwd, 'plugins'));
    const b = loadConfig({ cwd, env: { HERMETIC_DATA_DIR: 'rel2', HERMETIC_CONVERTERS_DIR: '../up' } });
    assert.equal(b.dataDir, join(cwd, 'rel2'));
    assert.equal(b.convertersDir, join(cwd, '..', 'up'));
    mkdirSync(join(cwd, 'rel3'));
    writeFileSync(join(cwd, 'rel3', 'config.json'), JSON.stringify({ convertersDir: 'my-converters' }));
    const c = loadConfig({ cwd, env: {}, flags: { dataDir: 'rel3' } });
    assert.equal(c.convertersDir, join(cwd, 'rel3', 'my-converters'));
    // Absolute paths are kept as they are.
    assert.equal(loadConfig({ cwd, env: {}, flags: { dataDir: '/abs/where' } }).dataDir, '/abs/where');
  } finally { rmSync(cwd, { recursive: true, force: true }); }
});

test('hermetic convert a.png --to webp --data-dir ./rel works from any working folder', { timeout: 120_000 }, async (t) => {
  if (!helperBuilt()) return t.skip('native/build/hermetic-jail is not built (no C compiler at install)');
  const cwd = mkdtempSync(join(tmpdir(), 'hermetic-relconv-'));
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  await sharp({ create: { width: 8, height: 8, channels: 3, background: '#3366cc' } }).png().toFile(join(cwd, 'a.png'));
  const r = spawnSync(testNode, [cliPath, 'convert', 'a.png', '--to', 'webp', '--data-dir', './rel'], { cwd, env: env(), encoding: 'utf8', timeout: 110_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(existsSync(join(cwd, 'a.webp')), r.stderr);
  assert.equal((await sharp(join(cwd, 'a.webp')).metadata()).format, 'webp');
  assert.ok(existsSync(join(cwd, 'rel', 'hermetic.db')), 'the data dir is ./rel of the working folder');
});

test('hermetic serve --data-dir ./rel: serves, converts, and server.json records the absolute data dir', { timeout: 120_000 }, async (t) => {
  if (!helperBuilt()) return t.skip('native/build/hermetic-jail is not built (no C compiler at install)');
  const cwd = mkdtempSync(join(tmpdir(), 'hermetic-relserve-'));
  const child = spawn(testNode, [cliPath, 'serve', '--port', '0', '--data-dir', 'rel', '--converters', join(fixturesDir, 'convert', 'plugins')], { cwd, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((r) => child.on('exit', r));
  t.after(async () => { child.kill('SIGTERM'); await exited; rmSync(cwd, { recursive: true, force: true }); });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const tokenUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL: ${err}`)), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Open: (http:\/\/\S+)\?token=([0-9a-f]{64})/.exec(out);
      if (m) { clearTimeout(timer); resolve(`${m[1]}|${m[2]}`); }
    });
  });
  const [base, token] = tokenUrl.split('|') as [string, string];
  const info = JSON.parse(readFileSync(join(cwd, 'rel', 'server.json'), 'utf8')) as Record<string, unknown>;
  assert.ok(info.port, 'server.json is in ./rel');
  // A conversion needs the jail to get the (absolute) job folder: this failed with exit 125.
  const res = await fetch(`${base}api/convert?to=html&from=md`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' }, body: '# relative\n' });
  assert.equal(res.status, 200, await res.clone().text());
  assert.match(await res.text(), /<h1>relative<\/h1>/);
  // From another working folder, the absolute path finds the same server.
  const st = spawnSync(testNode, [cliPath, 'status', '--json', '--data-dir', join(cwd, 'rel')], { cwd: tmpdir(), env: env(), encoding: 'utf8' });
  assert.equal((JSON.parse(st.stdout) as { running: boolean }).running, true, st.stderr);
});
