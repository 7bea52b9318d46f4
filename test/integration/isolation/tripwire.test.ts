// The tripwire end to end: every hook, in a Node child running inside a network namespace this
// test creates (only `lo`, no route anywhere), with a loopback canary in that same namespace.
// Each block is asserted three ways: the exact error code, the Attempt (api, target, culprit
// package from a fixture dependency), and a positive control — the canary and the namespace's
// kernel counters saw nothing, while the same calls without the tripwire do reach them.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fixturesDir, isRoot, repoRoot, testNode } from '../../helpers/paths.js';
import type { Attempt, AttemptMessage } from '../../../src/isolation/tripwire/index.js';

const CODE = 'ERR_NETWORK_ISOLATED';
const runner = join(fixturesDir, 'tripwire', 'run.mjs');
const register = join(repoRoot, 'dist', 'src', 'isolation', 'tripwire', 'register.js');

interface ScenarioResult {
  ok: boolean;
  value?: unknown;
  error?: { name?: string; code?: string; message?: string; cause?: { name?: string; code?: string; message?: string } };
  canary: { tcp: number; udp: number };
  attempts: Attempt[];
  p2pLoaded: string[];
}
interface Report {
  node: string;
  canary: { tcp: number; udp: number };
  status: { installed: boolean; hooks: Record<string, boolean>; witnesses: Record<string, boolean>; attempts: number } | null;
  results: Record<string, ScenarioResult>;
  counters: { before: Record<string, number>; after: Record<string, number> };
}
interface Run { report: Report; ipc: AttemptMessage[] }

const unshareArgs = isRoot ? ['--net'] : ['--net', '--map-root-user'];
function netnsUnavailable(): string | null {
  const probe = spawnSync('unshare', [...unshareArgs, 'true'], { stdio: 'pipe' });
  if (probe.error) return `unshare not available: ${probe.error.message}`;
  if (probe.status !== 0) return `cannot create a network namespace: ${String(probe.stderr).trim()}`;
  const ip = spawnSync('unshare', [...unshareArgs, 'ip', 'link', 'set', 'lo', 'up'], { stdio: 'pipe' });
  if (ip.error || ip.status !== 0) return `cannot bring up lo in a new namespace (iproute2 missing?): ${ip.error?.message ?? String(ip.stderr).trim()}`;
  return null;
}
const skipReason = process.platform === 'linux' ? netnsUnavailable() : 'network namespaces are Linux-only';

/** Run the fixture in a fresh network namespace; `preload` adds `--import register.js`. */
function runFixture(mode: string, group: string, preload: boolean): Promise<Run> {
  const nodeArgs = [...(preload ? ['--import', register] : []), runner, mode, group];
  const child = spawn('unshare', [...unshareArgs, '--', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh', testNode, ...nodeArgs], {
    cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const ipc: AttemptMessage[] = [];
  let out = '';
  let err = '';
  child.on('message', (m) => { if ((m as AttemptMessage)?.hermetic === 'attempt') ipc.push(m as AttemptMessage); });
  child.stdout?.on('data', (d) => { out += d; });
  child.stderr?.on('data', (d) => { err += d; });
  return new Promise((resolve, reject) => {
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`fixture ${mode}/${group} exited ${code}: ${err}`));
      try { resolve({ report: JSON.parse(out.trim().split('\n').pop() ?? '') as Report, ipc }); } catch (e) { reject(new Error(`bad fixture output: ${(e as Error).message}\n${out}\n${err}`)); }
    });
  });
}

function assertBlocked(name: string, r: ScenarioResult | undefined): asserts r is ScenarioResult {
  assert.ok(r, `scenario ${name} ran`);
  assert.equal(r.ok, false, `${name}: expected a block, got ${JSON.stringify(r.value)}`);
  const code = r.error?.name === 'TypeError' ? r.error.cause?.code : r.error?.code;
  assert.equal(code, CODE, `${name}: ${JSON.stringify(r.error)}`);
  assert.deepEqual(r.canary, { tcp: 0, udp: 0 }, `${name}: the canary saw traffic`);
}

function assertNoKernelTraffic(report: Report): void {
  for (const [k, v] of Object.entries(report.counters.before)) {
    assert.equal(report.counters.after[k], v, `namespace counter ${k} moved: ${v} → ${report.counters.after[k]}`);
  }
}

interface Expect { kind: Attempt['kind']; api: string; pkg: string; host?: string | 'canary'; port?: number | 'tcp' | 'udp'; protocol?: string; target?: string; message?: string }
const E = (kind: Attempt['kind'], api: string, pkg: string, rest: Partial<Expect> = {}): Expect => ({ kind, api, pkg, ...rest });
const ESM = 'tripwire-attrib-esm';
const CJS = 'tripwire-attrib-cjs';
const SCOPED = '@hermetic-fixture/attrib';

const BLOCKS: Record<string, Expect> = {
  'esm net.connect loopback': E('network', 'net.connect', ESM, { host: 'canary', port: 'tcp', protocol: 'tcp' }),
  'esm net.connect 192.0.2.1': E('network', 'net.connect', ESM, { host: '192.0.2.1', port: 443, message: 'net.connect to 192.0.2.1:443 (from package "tripwire-attrib-esm")' }),
  'esm net.connect 2001:db8::1': E('network', 'net.connect', ESM, { host: '2001:db8::1', port: 443 }),
  'cjs net.connect loopback': E('network', 'net.connect', CJS, { host: 'canary', port: 'tcp' }),
  'esm tls.connect loopback': E('network', 'tls.connect', ESM, { host: 'canary', port: 'tcp', protocol: 'tls' }),
  'cjs https.request 192.0.2.1': E('network', 'https.request', CJS, { host: '192.0.2.1', port: 443, protocol: 'https', message: 'Network access blocked by Hermetic: https.request to 192.0.2.1:443 (from package "tripwire-attrib-cjs")' }),
  'cjs https.request loopback': E('network', 'https.request', CJS, { host: 'canary', port: 'tcp', protocol: 'https' }),
  'esm http.request loopback': E('network', 'http.request', ESM, { host: 'canary', port: 'tcp', protocol: 'http' }),
  'esm http2.connect loopback': E('network', 'http2.connect', ESM, { host: 'canary', port: 'tcp' }),
  'esm fetch loopback': E('network', 'fetch', ESM, { host: 'canary', port: 'tcp', protocol: 'http' }),
  'scoped fetch loopback': E('network', 'fetch', SCOPED, { host: 'canary', port: 'tcp' }),
  'esm dns.lookup': E('dns', 'dns.lookup', ESM, { host: 'hermetic-test.invalid', protocol: 'dns' }),
  'cjs dns.lookup': E('dns', 'dns.lookup', CJS, { host: 'hermetic-test.invalid' }),
  'esm dns.promises.lookup': E('dns', 'dns.promises.lookup', ESM, { host: 'hermetic-test.invalid' }),
  'esm dns.lookupService': E('dns', 'dns.promises.lookupService', ESM, { host: '192.0.2.1', port: 22 }),
  'esm Resolver.resolve4 via canary': E('dns', 'dns.Resolver.resolve4', ESM, { host: 'hermetic-test.invalid' }),
  'esm promises.Resolver.reverse via canary': E('dns', 'dns.promises.Resolver.reverse', ESM, { host: '192.0.2.1' }),
  'esm dgram.send loopback': E('network', 'dgram.send', ESM, { host: 'canary', port: 'udp', protocol: 'udp' }),
  'cjs dgram.send 192.0.2.1': E('network', 'dgram.send', CJS, { host: '192.0.2.1', port: 53, protocol: 'udp' }),
  'esm dgram.connect loopback': E('network', 'dgram.connect', ESM, { host: 'canary', port: 'udp' }),
  'esm dgram.bind any': E('network', 'dgram.bind', ESM, { host: '0.0.0.0' }),
  'esm dgram.addMembership': E('network', 'dgram.addMembership', ESM, { host: '224.0.0.251' }),
  'esm dgram.setBroadcast': E('network', 'dgram.setBroadcast', ESM),
  'cjs spawn curl loopback': E('process_spawn', 'child_process.spawn', CJS, { target: 'curl' }),
  'scoped exec shell curl loopback': E('process_spawn', 'child_process.exec', SCOPED, { target: 'curl' }),
  'app process.binding tcp_wrap': E('network', 'process.binding', 'app', { target: 'tcp_wrap' }),
};

function portOf(r: Report, p: Expect['port']): number | undefined {
  return p === 'tcp' || p === 'udp' ? r.canary[p] : p;
}

function checkAttempt(name: string, r: ScenarioResult, e: Expect, report: Report): void {
  assert.equal(r.attempts.length, 1, `${name}: exactly one attempt, got ${JSON.stringify(r.attempts)}`);
  const a = r.attempts[0] as Attempt;
  assert.equal(a.kind, e.kind, `${name}: kind`);
  assert.equal(a.api, e.api, `${name}: api`);
  assert.equal(a.package, e.pkg, `${name}: package`);
  if (e.host === 'canary') assert.equal(a.host, '127.0.0.1', `${name}: host`);
  else if (e.host !== undefined) assert.equal(a.host, e.host, `${name}: host`);
  const port = portOf(report, e.port);
  if (port !== undefined) assert.equal(a.port, port, `${name}: port`);
  if (e.protocol !== undefined) assert.equal(a.protocol, e.protocol, `${name}: protocol`);
  if (e.target !== undefined) assert.equal(a.target, e.target, `${name}: target`);
  if (e.message !== undefined) {
    const msg = r.error?.name === 'TypeError' ? r.error.cause?.message : r.error?.message;
    assert.ok(msg?.endsWith(e.message), `${name}: message ${msg}`);
  }
  assert.equal(typeof a.pid, 'number');
  assert.ok(!Number.isNaN(Date.parse(a.ts)), `${name}: ts`);
  if (e.pkg !== 'app') assert.match(a.stackTop ?? '', /node_modules[/\\]/, `${name}: stackTop points into the fixture package`);
}

function skipIfNoNetns(t: TestContext): boolean {
  if (skipReason) { t.skip(skipReason); return true; }
  return false;
}

test('tripwire: every hook blocks with ERR_NETWORK_ISOLATED and names the culprit; nothing reaches the kernel', async (t) => {
  if (skipIfNoNetns(t)) return;
  const { report, ipc } = await runFixture('guarded', 'blocks', true);
  assert.equal(report.status?.installed, true);
  for (const [name, e] of Object.entries(BLOCKS)) {
    const r = report.results[name];
    assertBlocked(name, r);
    checkAttempt(name, r, e, report);
  }
  // "localhost" is answered from the loopback table, not a resolver: allowed, no attempt.
  const lh = report.results['esm dns.lookup localhost'];
  assert.deepEqual([lh?.ok, lh?.value, lh?.attempts.length], [true, '127.0.0.1', 0]);
  // WebSocket: only where this Node has the global.
  const ws = report.results['esm WebSocket loopback'];
  if (ws?.value === 'absent') assert.equal(report.status?.hooks.WebSocket, false, 'no global WebSocket, and status says so');
  else { assertBlocked('esm WebSocket loopback', ws); checkAttempt('ws', ws as ScenarioResult, E('network', 'WebSocket', ESM, { host: 'canary', port: 'tcp', protocol: 'ws' }), report); }
  // Nothing left the process: no route lookup, no SYN, no datagram, not even on lo.
  assertNoKernelTraffic(report);
  // In a Node child with an IPC channel, each attempt also went to the parent.
  const total = Object.values(report.results).reduce((n, r) => n + r.attempts.length, 0);
  assert.equal(ipc.length, total, 'one AttemptMessage per attempt over IPC');
  assert.deepEqual(ipc.map((m) => m.attempt.api).sort(), Object.values(report.results).flatMap((r) => r.attempts.map((a) => a.api)).sort());
});

test('tripwire positive control: without it the same calls reach the canary and the kernel', async (t) => {
  if (skipIfNoNetns(t)) return;
  const { report, ipc } = await runFixture('control', 'blocks', false);
  assert.equal(report.status, null);
  assert.equal(ipc.length, 0);
  const reached = (name: string, proto: 'tcp' | 'udp') => assert.ok((report.results[name]?.canary[proto] ?? 0) >= 1, `${name} reached the canary: ${JSON.stringify(report.results[name])}`);
  for (const name of ['esm net.connect loopback', 'cjs net.connect loopback', 'esm tls.connect loopback', 'cjs https.request loopback', 'esm http.request loopback', 'esm http2.connect loopback', 'esm fetch loopback', 'scoped fetch loopback']) reached(name, 'tcp');
  for (const name of ['esm Resolver.resolve4 via canary', 'esm promises.Resolver.reverse via canary', 'esm dgram.send loopback', 'esm dgram.connect loopback']) reached(name, 'udp');
  for (const name of ['esm net.connect 192.0.2.1', 'esm net.connect 2001:db8::1', 'cjs https.request 192.0.2.1', 'cjs dgram.send 192.0.2.1']) {
    assert.equal(report.results[name]?.error?.code, 'ENETUNREACH', `${name} reached the kernel (no route in this namespace)`);
  }
  assert.equal(report.results['esm dgram.bind any']?.value, 'bound');
  assert.equal(report.results['esm dgram.setBroadcast']?.value, 'broadcast on');
  assert.equal(report.results['app process.binding tcp_wrap']?.value, 'function');
  const curl = spawnSync('sh', ['-c', 'command -v curl'], { stdio: 'pipe' });
  if (curl.status === 0) {
    reached('cjs spawn curl loopback', 'tcp');
    reached('scoped exec shell curl loopback', 'tcp');
  } else {
    t.diagnostic('curl is not installed: the spawn positive control could not run');
  }
  assert.ok((report.counters.after['Tcp.ActiveOpens'] ?? 0) > (report.counters.before['Tcp.ActiveOpens'] ?? 0), 'the kernel counted TCP opens');
  assert.ok((report.counters.after['Ip.OutNoRoutes'] ?? 0) > (report.counters.before['Ip.OutNoRoutes'] ?? 0), 'the kernel counted route misses');
});

test('tripwire installed after dependencies captured connect/lookup still blocks them', async (t) => {
  if (skipIfNoNetns(t)) return;
  const { report } = await runFixture('late', 'blocks', false);
  for (const name of ['esm net.connect loopback', 'cjs net.connect loopback', 'esm dns.lookup', 'esm fetch loopback', 'esm dgram.send loopback', 'cjs spawn curl loopback']) {
    const r = report.results[name];
    assertBlocked(name, r);
    checkAttempt(name, r, BLOCKS[name] as Expect, report);
  }
  assertNoKernelTraffic(report);
});

test('tripwire: every P2P/WebRTC module is refused for require and import (p2p attempt)', async (t) => {
  if (skipIfNoNetns(t)) return;
  const [guarded, control] = await Promise.all([runFixture('guarded', 'p2p', true), runFixture('control', 'p2p', false)]);
  const names = Object.keys(guarded.report.results);
  assert.equal(names.length, 48, '24 modules × require/import');
  for (const name of names) {
    const r = guarded.report.results[name] as ScenarioResult;
    const [how, mod] = name.split(' ') as [string, string];
    assert.equal(r.ok, false, name);
    assert.equal(r.error?.code, CODE, `${name}: ${JSON.stringify(r.error)}`);
    assert.deepEqual(r.p2pLoaded, [], `${name}: the stand-in never ran`);
    assert.equal(r.attempts.length, 1, `${name}: one attempt`);
    const a = r.attempts[0] as Attempt;
    assert.deepEqual([a.kind, a.api, a.target, a.package], ['p2p', how, mod, how === 'require' ? CJS : ESM], name);
    // Positive control: without the tripwire the stand-in is found and runs.
    const c = control.report.results[name] as ScenarioResult;
    assert.deepEqual([c.ok, c.p2pLoaded.includes(mod)], [true, true], `${name} loads without the tripwire`);
  }
});

test('tripwire guards worker threads (file and eval, even with execArgv: []) and relays their attempts', async (t) => {
  if (skipIfNoNetns(t)) return;
  const [guarded, control] = await Promise.all([runFixture('guarded', 'worker', true), runFixture('control', 'worker', false)]);
  for (const [name, r] of Object.entries(guarded.report.results)) {
    assertBlocked(name, r);
    assert.equal(r.attempts.length, 1, `${name}: the worker's attempt reached the main thread`);
    assert.deepEqual([r.attempts[0]?.api, r.attempts[0]?.host], ['net.connect', '127.0.0.1']);
    assert.equal(control.report.results[name]?.canary.tcp, 1, `${name}: control worker reaches the canary`);
  }
  assertNoKernelTraffic(guarded.report);
  assert.equal(guarded.ipc.length, 2, 'worker attempts also go to the parent process');
});

test('diagnostics_channel witness reports a hole when a library restores the original connect', async (t) => {
  if (skipIfNoNetns(t)) return;
  const [hole, guarded] = await Promise.all([runFixture('hole', 'hole', false), runFixture('guarded', 'hole', true)]);
  const r = hole.report.results['restored connect (hole)'] as ScenarioResult;
  // The hole is real (the canary saw the connection) and the witness named it.
  assert.equal(r.ok, true);
  assert.equal(r.canary.tcp, 1);
  assert.equal(r.attempts.length, 1, JSON.stringify(r.attempts));
  assert.deepEqual([r.attempts[0]?.kind, r.attempts[0]?.api, r.attempts[0]?.target, r.attempts[0]?.package], ['hole', 'net.connect', 'net.client.socket', ESM]);
  // Control: with the hook in place, the same call is a block and no hole is reported.
  const g = guarded.report.results['restored connect (hole)'] as ScenarioResult;
  assertBlocked('guarded', g);
  assert.deepEqual(g.attempts.map((a) => a.kind), ['network']);
  assert.equal(guarded.report.status?.witnesses['net.client.socket'], true);
});

test('the server keeps serving loopback clients with the tripwire installed', async (t) => {
  if (skipIfNoNetns(t)) return;
  const { report } = await runFixture('guarded', 'server', true);
  const r = report.results['http server on loopback serves an outside client'] as ScenarioResult;
  assert.deepEqual([r.ok, r.value, r.attempts.length], [true, '200 hermetic', 0]);
});

test('allow-list: exact loopback port and unix path only', async (t) => {
  if (skipIfNoNetns(t)) return;
  const { report } = await runFixture('guarded', 'allow', true);
  const res = report.results;
  assertBlocked('not allow-listed', res['loopback port not allow-listed']);
  assert.deepEqual([res['loopback port allow-listed']?.ok, res['loopback port allow-listed']?.canary.tcp, res['loopback port allow-listed']?.attempts.length], [true, 1, 0]);
  assertBlocked('other port', res['other loopback port still blocked']);
  assert.equal(res['allow-listed port on non-loopback host blocked']?.error?.code, CODE);
  assert.deepEqual([res['unix path allow-listed']?.ok, res['unix path allow-listed']?.value], [true, 'accepted 1']);
  const u = res['unix path not allow-listed'] as ScenarioResult;
  assert.equal(u.error?.code, CODE);
  assert.deepEqual([u.attempts[0]?.family, u.attempts[0]?.protocol], ['unix', 'unix']);
});
