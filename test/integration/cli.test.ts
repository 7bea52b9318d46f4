// The CLI end to end: `hermetic serve` in a child process (loopback, port 0), `status`,
// `events` (incl. --follow), usage/config errors and exit codes, graceful SIGTERM, and serving
// on an inherited listening fd (the paranoid launcher's hand-over).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath, testNode } from '../helpers/paths.js';
import { openEventStore } from '../../src/events/index.js';
import { req } from '../unit/server-client.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'hermetic-cli-'));
const baseEnv = (dataDir: string) => ({ ...process.env, HERMETIC_DATA_DIR: dataDir, HERMETIC_LOG_LEVEL: 'warn' });

function cli(args: string[], dataDir: string, env: Record<string, string> = {}) {
  const r = spawnSync(testNode, [cliPath, ...args], { env: { ...baseEnv(dataDir), ...env }, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Served { child: ChildProcess; url: string; tokenUrl: string; port: number; exited: Promise<number | null>; stderr: () => string }

async function serve(dataDir: string, args: string[] = [], opts: { stdio?: (number | 'pipe' | 'ignore')[]; env?: Record<string, string> } = {}): Promise<Served> {
  const child = spawn(testNode, [cliPath, 'serve', '--port', '0', ...args], { env: { ...baseEnv(dataDir), ...opts.env }, stdio: (opts.stdio ?? ['ignore', 'pipe', 'pipe']) as ('pipe')[] });
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const tokenUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not print its URL: ${err}`)), 20_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Open: (http:\/\/\S+\?token=[0-9a-f]{64})/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1] as string); }
    });
    void exited.then((code) => { clearTimeout(timer); reject(new Error(`serve exited ${code}: ${err}`)); });
  });
  const url = tokenUrl.replace(/\?token=.*$/, '');
  return { child, url, tokenUrl, port: Number(new URL(url).port), exited, stderr: () => err };
}

test('serve → health → status → events → SIGTERM → status says not running', async () => {
  const dataDir = tmp();
  const s = await serve(dataDir);
  try {
    assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const h = await req(s.port, '/api/health');
    assert.equal(h.status, 200);
    assert.equal(statSync(join(dataDir, 'token')).mode & 0o777, 0o600, 'token file is private');

    const st = cli(['status'], dataDir);
    assert.equal(st.code, 0, st.stderr);
    assert.equal(st.stdout.trim().split('\n').length, 1, 'one line');
    // The isolation wording belongs to the verify module; here: one line, the count, the URL.
    assert.match(st.stdout.trim(), /· 0 (blocked )?attempts ·/);
    assert.ok(st.stdout.trim().endsWith(` · ${s.url}`), st.stdout);
    const js = JSON.parse(cli(['status', '--json'], dataDir).stdout) as { running: boolean; healthy: boolean; url: string; blockedAttempts: number; isolation: { verified: boolean; level: string } };
    assert.equal(js.running, true);
    assert.equal(js.healthy, true);
    assert.equal(js.url, s.url);
    assert.equal(js.blockedAttempts, 0);
    const health = (await req(s.port, '/api/health')).json() as { isolation: { level: string } };
    assert.equal(js.isolation.level, health.isolation.level, 'status reports what the server reports');

    const ev = cli(['events', '--json'], dataDir);
    assert.equal(ev.code, 0, ev.stderr);
    const lines = ev.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; details: { port: number } });
    const started = lines.filter((l) => l.type === 'server_started');
    assert.equal(started.length, 1);
    assert.equal(started[0]?.details.port, s.port);
  } finally {
    s.child.kill('SIGTERM');
  }
  assert.equal(await s.exited, 0, `graceful exit on SIGTERM: ${s.stderr()}`);
  assert.equal(existsSync(join(dataDir, 'server.json')), false, 'runtime file removed');
  const down = cli(['status'], dataDir);
  assert.equal(down.code, 1);
  assert.equal(down.stdout.trim(), 'Hermetic: not running · 0 blocked attempts recorded');
});

test('status without a server reads the attempt count from the database', () => {
  const dataDir = tmp();
  const store = openEventStore({ dataDir });
  store.record({ type: 'network_attempt', severity: 'warning', details: { host: '192.0.2.9', port: 443, package: 'leaky-lib' }, dedupKey: 'x' });
  store.record({ type: 'network_attempt', severity: 'warning', details: { host: '192.0.2.9', port: 443, package: 'leaky-lib' }, dedupKey: 'x' });
  store.record({ type: 'dns_blocked', severity: 'warning', details: { host: 'telemetry.invalid', package: 'other' } });
  store.close();
  const r = cli(['status'], dataDir);
  assert.equal(r.code, 1);
  assert.match(r.stdout.trim(), /^Hermetic: not running · 3 blocked attempts recorded \(last \S+Z: dns_blocked by other → telemetry\.invalid\)$/);
  const js = JSON.parse(cli(['status', '--json'], dataDir).stdout) as { running: boolean; blockedAttempts: number };
  assert.deepEqual([js.running, js.blockedAttempts], [false, 3]);
});

test('events: filters, text format with ×N, --follow prints new rows', async () => {
  const dataDir = tmp();
  const store = openEventStore({ dataDir });
  store.record({ type: 'network_attempt', severity: 'warning', details: { host: '192.0.2.1', port: 80 }, dedupKey: 'a' });
  store.record({ type: 'network_attempt', severity: 'warning', details: { host: '192.0.2.1', port: 80 }, dedupKey: 'a' });
  store.record({ type: 'process_terminated', severity: 'critical', details: { pid: 7 } });
  store.flush();
  const text = cli(['events', '--type', 'network_attempt'], dataDir);
  assert.equal(text.code, 0);
  assert.match(text.stdout, /warning\s+network_attempt ×2\s+\{"host":"192\.0\.2\.1","port":80\}/);
  assert.doesNotMatch(text.stdout, /process_terminated/);
  assert.equal(cli(['events', '--severity', 'critical', '--json'], dataDir).stdout.trim().split('\n').length, 1);
  assert.equal(cli(['events', '--since', new Date(Date.now() + 60_000).toISOString(), '--json'], dataDir).stdout.trim(), '');

  const follow = spawn(testNode, [cliPath, 'events', '--follow', '--json', '--type', 'p2p_blocked'], { env: baseEnv(dataDir), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  follow.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((r) => follow.on('exit', (c) => r(c)));
  await new Promise((r) => setTimeout(r, 600)); // it has printed the (empty) backlog and is polling
  store.record({ type: 'process_terminated', severity: 'critical', details: { pid: 8 } }); // filtered out
  store.record({ type: 'p2p_blocked', severity: 'critical', details: { module: 'simple-peer' } });
  const deadline = Date.now() + 10_000;
  while (!out.includes('simple-peer') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  follow.kill('SIGINT');
  assert.equal(await exited, 0);
  store.close();
  const got = out.trim().split('\n').map((l) => JSON.parse(l) as { type: string; details: { module: string } });
  assert.deepEqual(got.map((e) => [e.type, e.details.module]), [['p2p_blocked', 'simple-peer']]);
});

test('usage and configuration errors exit 2 with a clear message; --help exits 0', () => {
  const dataDir = tmp();
  const nonLoop = cli(['serve', '--host', '0.0.0.0', '--port', '0'], dataDir);
  assert.equal(nonLoop.code, 2);
  assert.match(nonLoop.stderr, /refusing to bind to 0\.0\.0\.0.*--allow-non-loopback/s);
  const strict = cli(['serve', '--strictness', 'lax'], dataDir);
  assert.equal(strict.code, 2);
  assert.match(strict.stderr, /strictness: invalid value; allowed: standard \| strict \| paranoid/);
  const badPort = cli(['serve', '--port', 'http'], dataDir);
  assert.equal(badPort.code, 2);
  assert.match(badPort.stderr, /port/);
  assert.equal(cli(['serve', '--frobnicate'], dataDir).code, 2);
  const badType = cli(['events', '--type', 'bogus'], dataDir);
  assert.equal(badType.code, 2);
  assert.match(badType.stderr, /--type: unknown event type 'bogus'; allowed: network_attempt/);
  assert.equal(cli(['events', '--since', 'last tuesday'], dataDir).code, 2);
  assert.equal(cli(['status', '--timeout', '-1'], dataDir).code, 2);
  for (const c of ['serve', 'status', 'events']) {
    const h = cli([c, '--help'], dataDir);
    assert.equal(h.code, 0);
    assert.match(h.stdout, new RegExp(`^Usage: hermetic ${c}`));
    assert.match(h.stdout, /Exit codes/);
  }
  const top = cli(['--help'], dataDir);
  assert.equal(top.code, 0);
  for (const c of ['serve', 'status', 'events']) assert.match(top.stdout, new RegExp(`\\n  ${c} `));
});

test('a second server on a taken port fails with exit 1 and a clear message', async () => {
  const dataDir = tmp();
  const s = await serve(dataDir);
  try {
    const r = cli(['serve', '--port', String(s.port)], tmp());
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
  } finally {
    s.child.kill('SIGTERM');
    await s.exited;
  }
});

test('HERMETIC_LISTEN_FD: serves on an inherited, already-bound loopback socket', async () => {
  const dataDir = tmp();
  const listener = createServer();
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', () => r()));
  const port = (listener.address() as { port: number }).port;
  // The launcher's fd (a private field of net.Server: tests only).
  const fd = (listener as unknown as { _handle: { fd: number } })._handle.fd;
  assert.ok(fd > 2);
  let s: Served;
  try {
    s = await serve(dataDir, [], { stdio: ['ignore', 'pipe', 'pipe', fd], env: { HERMETIC_LISTEN_FD: '3' } });
  } finally {
    // The parent stops listening; the socket lives on in the child.
    await new Promise<void>((r) => listener.close(() => r()));
  }
  try {
    assert.equal(s.port, port, 'the URL names the inherited socket\'s port');
    const info = (await req(port, '/api/system/info', { headers: { authorization: `Bearer ${new URL(s.tokenUrl).searchParams.get('token') ?? ''}` } })).json() as { bind: { via: string; port: number } };
    assert.equal(info.bind.via, 'fd');
    assert.equal(info.bind.port, port);
  } finally {
    s.child.kill('SIGTERM');
  }
  assert.equal(await s.exited, 0);
  const bad = cli(['serve'], dataDir, { HERMETIC_LISTEN_FD: 'x' });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /HERMETIC_LISTEN_FD/);
});

test('start-up log lines keep pino\'s numeric level; the isolation level has its own key (no duplicate "level")', async () => {
  const dataDir = tmp();
  const s = await serve(dataDir, [], { env: { HERMETIC_LOG_LEVEL: 'info' } });
  try {
    const deadline = Date.now() + 20_000;
    while (!/isolationLevel/.test(s.stderr()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const line = s.stderr().split('\n').find((l) => l.includes('isolationLevel'));
    assert.ok(line, `a start-up verification log line: ${s.stderr()}`);
    assert.equal((line.match(/"level":/g) ?? []).length, 1, line);
    const entry = JSON.parse(line) as { level: unknown; isolationLevel: unknown };
    assert.equal(entry.level, 30, 'pino info');
    assert.match(String(entry.isolationLevel), /^(kernel-enforced|runtime-only|unverified)$/);
  } finally { s.child.kill('SIGTERM'); await s.exited; }
});
