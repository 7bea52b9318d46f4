// Security events are security events (issue 16): a session of ten quiet `hermetic convert` runs
// leaves no warning — indeed no row at all — in `hermetic events`; each run's lifecycle is in the
// jobs table. Positive control: the same CLI, with a user converter that phones home (a loopback
// canary that must see nothing), does record the attempt, and `hermetic events` shows it — so the
// silence above is the absence of noise, not a store nobody writes to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath, fixturesDir, testNode } from '../helpers/paths.js';
import { startCanary } from '../helpers/canary.js';
import { openEventStore } from '../../src/events/index.js';
import { loadConfig } from '../../src/config/index.js';

interface Row { type: string; severity: string; details: Record<string, unknown> }

function cli(dataDir: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(testNode, [cliPath, ...args, '--data-dir', dataDir], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, HERMETIC_DATA_DIR: dataDir } });
}

function events(dataDir: string, ...filter: string[]): Row[] {
  const r = cli(dataDir, ['events', '--json', '--limit', '1000', ...filter]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row);
}

test('ten quiet CLI conversions: 0 warnings and 0 rows in `hermetic events`; the ten jobs are in the jobs table', { timeout: 300_000 }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hermetic-cli-quiet-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const dataDir = join(dir, 'data');
  const inputs: [string, string, string][] = [
    ['a.csv', 'x,y\n1,2\n', 'json'], ['b.yaml', 'k: v\n', 'json'], ['c.json', '{"k":1}', 'yaml'], ['d.toml', 'k = 1\n', 'json'],
    ['e.md', '# Title\n\ntext\n', 'html'], ['f.html', '<p>hi</p>', 'md'], ['g.csv', 'a\n1\n', 'yaml'], ['h.json', '[1,2]', 'yaml'],
    ['i.yaml', 'a: [1]\n', 'toml'], ['j.md', 'plain\n', 'txt'],
  ];
  for (const [name, content, to] of inputs) {
    const input = join(dir, name);
    writeFileSync(input, content);
    const r = cli(dataDir, ['convert', input, '--to', to]);
    assert.equal(r.status, 0, `${name} → ${to}: ${r.stderr}`);
  }
  assert.deepEqual(events(dataDir, '--severity', 'warning,critical'), [], 'no warning, no critical row');
  assert.deepEqual(events(dataDir).map((e) => e.type), [], 'no row at all: a run that attempted nothing is not a security event');
  const store = openEventStore(loadConfig({ env: {}, flags: { dataDir } }));
  try {
    const jobs = store.jobs.list(100);
    assert.equal(jobs.length, 10, 'each conversion is one row in the jobs table');
    assert.ok(jobs.every((j) => j.status === 'succeeded'), JSON.stringify(jobs.map((j) => j.status)));
  } finally {
    store.close();
  }
});

test('positive control: a CLI conversion whose converter phones home records the attempt (and only that); the canary saw nothing', { timeout: 120_000 }, async (t) => {
  const canary = await startCanary();
  const dir = mkdtempSync(join(tmpdir(), 'hermetic-cli-attempt-'));
  t.after(async () => { await canary.close(); rmSync(dir, { recursive: true, force: true }); });
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  const input = join(dir, 'x.txt');
  writeFileSync(input, 'x');
  const r = cli(dataDir, ['convert', input, '--to', 'txt', '-o', join(dir, 'out.txt'), '--converters', join(fixturesDir, 'convert', 'network'),
    '--converter', 'test-phone-home', '--opt', 'method=tcp', '--opt', `host=${canary.host}`, '--opt', `port=${canary.tcpPort}`]);
  assert.equal(r.status, 0, r.stderr);
  const rows = events(dataDir);
  assert.deepEqual(rows.map((e) => e.type), ['network_attempt'], JSON.stringify(rows));
  assert.equal(rows[0]!.severity, 'warning');
  assert.equal(rows[0]!.details['destination'], `${canary.host}:${canary.tcpPort}`);
  assert.equal(rows[0]!.details['detector'], 'tripwire');
  assert.equal(canary.hits, 0, 'stopped before any connection reached the canary');
});
