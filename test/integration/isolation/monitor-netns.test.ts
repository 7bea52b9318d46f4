// Namespace counters catch what no hook sees: a native program (python3, no tripwire, no seccomp)
// in a network namespace this test creates tries TCP and UDP towards a documentation address.
// The namespace has no route, so nothing leaves it — but its counters move, and the monitor
// must report that at "job end", as a hole (nobody else saw it), and act on it per policy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { join } from 'node:path';
import { constants } from 'node:os';
import { createMonitor, startTimeOf, type MonitorConfig } from '../../../src/isolation/monitor/index.js';
import { fixturesDir, isRoot } from '../../helpers/paths.js';
import { memoryStore } from '../../unit/isolation/monitor-helpers.js';

const cfg = (strictness: MonitorConfig['strictness']): MonitorConfig => ({ strictness, monitorIntervalMs: 60_000, violationThreshold: 3, killGraceMs: 200 });
const unshareArgs = isRoot ? ['--net'] : ['--net', '--map-root-user'];

function why(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces exist on Linux only';
  const py = spawnSync('python3', ['-c', 'print(1)']);
  if (py.error || py.status !== 0) return 'python3 is not installed';
  const u = spawnSync('unshare', [...unshareArgs, 'true']);
  if (u.error) return 'unshare(1) is not installed';
  if (u.status !== 0) return `cannot create a network namespace here: ${String(u.stderr).trim()}`;
  return undefined;
}
const skip = why();

async function startNative(): Promise<{ child: ChildProcess; ask(l: string): Promise<Record<string, unknown>> }> {
  const child = spawn('unshare', [...unshareArgs, '--', 'python3', join(fixturesDir, 'monitor', 'native-attempt.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const it = lines[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => JSON.parse(String((await it.next()).value)) as Record<string, unknown>;
  assert.deepEqual(await next(), { ready: true }); // now inside its own namespace
  return { child, ask: async (l) => { child.stdin!.write(`${l}\n`); return next(); } };
}

type Native = Awaited<ReturnType<typeof startNative>>;
interface Watched { n: Native; m: ReturnType<typeof createMonitor>; store: ReturnType<typeof memoryStore>; pid: number; reasons: string[] }

/** The native program in its own namespace, watched by a started monitor as job `jobId`; always cleaned up. */
async function withWatchedNative(strictness: MonitorConfig['strictness'], jobId: string, body: (w: Watched) => Promise<void>): Promise<void> {
  const n = await startNative();
  try {
    const store = memoryStore();
    const m = createMonitor({ config: cfg(strictness), store });
    m.start();
    const pid = n.child.pid!;
    const reasons: string[] = [];
    m.watch({ pid, startTime: startTimeOf(pid)!, role: 'worker', jobId, terminate: (r) => reasons.push(r) });
    await body({ n, m, store, pid, reasons });
    m.stop();
  } finally {
    n.child.kill('SIGKILL');
    await once(n.child, 'exit');
  }
}

test('namespace counters: an idle namespace shows nothing (positive control)', { skip }, () =>
  withWatchedNative('strict', 'idle-job', async ({ n, m, store, pid, reasons }) => {
    assert.deepEqual(await n.ask('idle'), { idle: true });
    const check = m.checkNetns(pid, 'idle-job');
    assert.equal(check.checked, true, check.reason);
    assert.deepEqual(check.delta, {});
    assert.equal(store.ofType('monitor_hole').length + store.ofType('network_attempt').length, 0);
    assert.deepEqual(reasons, []);
  }));

test('namespace counters: python3 trying TCP and UDP is caught at job end as a hole, and terminated in strict', { skip }, () =>
  withWatchedNative('strict', 'py-job', async ({ n, m, store, pid, reasons }) => {
    const r = await n.ask('go');
    // The kernel refused both: no route in this namespace. Nothing left it.
    assert.deepEqual(r, { tcp: constants.errno.ENETUNREACH, udp: constants.errno.ENETUNREACH });
    const check = m.checkNetns(pid, 'py-job');
    assert.equal(check.checked, true, check.reason);
    assert.ok((check.delta['Ip.OutNoRoutes'] ?? 0) >= 2, JSON.stringify(check.delta));
    const holes = store.ofType('monitor_hole');
    assert.equal(holes.length, 1);
    assert.equal(holes[0]!.severity, 'critical');
    assert.equal(holes[0]!.details['detector'], 'netns-counters');
    assert.equal(holes[0]!.details['jobId'], 'py-job');
    assert.equal(holes[0]!.details['unexplained'], true);
    assert.deepEqual(holes[0]!.details['counters'], check.delta);
    assert.equal(reasons.length, 1, 'strict: the worker is terminated');
    assert.match(reasons[0]!, /^NETWORK_VIOLATION/);
    assert.equal(store.ofType('process_terminated').length, 1);
  }));

test('namespace counters: growth already explained by another detector is a plain attempt, not a hole', { skip }, () =>
  withWatchedNative('standard', 'seen-job', async ({ n, m, store, pid }) => {
    await n.ask('go');
    m.observe({ detector: 'seccomp', pid, jobId: 'seen-job', jail: { pid, syscall: 'connect', family: 'AF_INET', address: '192.0.2.1', port: 9, ts: new Date().toISOString() } });
    const check = m.checkNetns(pid, 'seen-job');
    assert.ok(Object.keys(check.delta).length > 0);
    assert.equal(store.ofType('monitor_hole').length, 0);
    const rows = store.ofType('network_attempt');
    assert.deepEqual(rows.map((e) => e.details['detector']), ['seccomp', 'netns-counters']);
  }));

test('namespace counters refuse to judge a process in our own namespace (host-wide counters)', { skip: process.platform !== 'linux' ? 'Linux only' : undefined }, () => {
  const m = createMonitor({ config: cfg('standard'), store: memoryStore() });
  m.start();
  const c = m.checkNetns(process.pid);
  assert.equal(c.checked, false);
  assert.match(c.reason, /shares the server's network namespace/);
  m.stop();
});
