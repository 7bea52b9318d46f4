// The monitor: every attempt recorded with its detector, violations counted per process,
// termination per strictness, lifecycle events, and honest source states.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { createMonitor, selfTestFilter, startTimeOf, NETWORK_VIOLATION_CODE, type MonitorConfig, type WatchedProcess, type TerminationNotice } from '../../../src/isolation/monitor/index.js';
import type { Attempt } from '../../../src/isolation/tripwire/types.js';
import type { JailAttempt } from '../../../src/isolation/jail/types.js';
import { memoryStore, startProgram, stopChild } from './monitor-helpers.js';
import { processTree } from '../../../src/isolation/monitor/proc/index.js';

const cfg = (strictness: MonitorConfig['strictness'] = 'standard'): MonitorConfig => ({ strictness, monitorIntervalMs: 60_000, violationThreshold: 3, killGraceMs: 100 });

function attempt(over: Partial<Attempt> = {}): Attempt {
  return { kind: 'network', api: 'net.Socket.connect', host: '192.0.2.10', port: 443, protocol: 'tcp', package: 'evil-telemetry', pid: 0, ts: new Date().toISOString(), ...over };
}

async function withWorker(fn: (w: WatchedProcess & { reasons: string[] }) => Promise<void> | void): Promise<void> {
  const child = await startProgram('sleep', ['30']);
  const reasons: string[] = [];
  const w = { pid: child.pid!, startTime: startTimeOf(child.pid!)!, role: 'worker' as const, jobId: 'job-a', reasons, terminate: (r: string) => { reasons.push(r); } };
  try {
    await fn(w);
  } finally {
    await stopChild(child);
  }
}

test('standard: recorded every time, terminated at the 3rd violation, exactly once', async () => {
  await withWorker((w) => {
    const store = memoryStore();
    const m = createMonitor({ config: cfg('standard'), store });
    const notices: TerminationNotice[] = [];
    m.events.on('terminated', (n: TerminationNotice) => notices.push(n));
    m.watch(w);
    const v = [1, 2, 3, 4].map(() => m.observe({ detector: 'tripwire', pid: w.pid, jobId: 'job-a', tripwire: attempt({ pid: w.pid }) }));
    assert.deepEqual(v, [
      { violations: 1, terminated: false },
      { violations: 2, terminated: false },
      { violations: 3, terminated: true },
      { violations: 4, terminated: true },
    ]);
    assert.equal(w.reasons.length, 1, 'terminate() called once');
    assert.match(w.reasons[0]!, new RegExp(`^${NETWORK_VIOLATION_CODE}: evil-telemetry`));
    assert.equal(notices.length, 1);
    assert.deepEqual({ ...notices[0], reason: undefined }, { pid: w.pid, startTime: w.startTime, jobId: 'job-a', role: 'worker', code: 'NETWORK_VIOLATION', culprit: 'evil-telemetry', violations: 3, reason: undefined });
    const attempts = store.ofType('network_attempt');
    assert.equal(attempts.length, 4);
    assert.equal(attempts[0]!.severity, 'warning');
    assert.deepEqual(
      { ...attempts[0]!.details },
      { detector: 'tripwire', pid: w.pid, jobId: 'job-a', api: 'net.Socket.connect', package: 'evil-telemetry', kind: 'network', host: '192.0.2.10', port: 443, protocol: 'tcp', destination: '192.0.2.10:443', culprit: 'evil-telemetry', violations: 1, terminated: false },
    );
    assert.deepEqual(store.events.map((e) => e.type), ['network_attempt', 'network_attempt', 'network_attempt', 'process_terminated', 'network_attempt'], 'the last straw is recorded before the termination');
    const term = store.ofType('process_terminated');
    assert.equal(term.length, 1);
    assert.equal(term[0]!.details['code'], 'NETWORK_VIOLATION');
    assert.equal(term[0]!.details['threshold'], 3);
    assert.equal(m.state().terminations, 1);
    assert.equal(m.state().blockedAttempts, 4);
  });
});

test('strict and paranoid: a worker is terminated at the first violation', async () => {
  for (const level of ['strict', 'paranoid'] as const) {
    await withWorker((w) => {
      const m = createMonitor({ config: cfg(level), store: memoryStore() });
      m.watch(w);
      assert.deepEqual(m.observe({ detector: 'tripwire', pid: w.pid, tripwire: attempt({ kind: 'dns', api: 'dns.lookup', host: 'tracker.invalid', port: undefined, package: 'x' }) }), { violations: 1, terminated: true });
      assert.equal(w.reasons.length, 1, level);
    });
  }
});

test('pid reuse: an attempt for a pid whose start time changed is recorded but kills nobody', async () => {
  await withWorker((w) => {
    const store = memoryStore();
    const m = createMonitor({ config: cfg('strict'), store });
    m.watch({ ...w, startTime: w.startTime - 1 });
    const v = m.observe({ detector: 'seccomp', pid: w.pid, jail: { pid: w.pid, syscall: 'socket', family: 'AF_INET', ts: new Date().toISOString() } });
    assert.deepEqual(v, { violations: 0, terminated: false });
    assert.equal(w.reasons.length, 0);
    assert.equal(store.ofType('network_attempt').length, 1, 'still recorded');
    assert.equal(store.ofType('process_terminated').length, 0);
  });
});

test('re-registering the same process keeps its count; a new process with that pid starts at zero', async () => {
  await withWorker((w) => {
    const m = createMonitor({ config: cfg('standard'), store: memoryStore() });
    const unwatch = m.watch(w);
    m.observe({ detector: 'tripwire', pid: w.pid, tripwire: attempt() });
    m.observe({ detector: 'tripwire', pid: w.pid, tripwire: attempt() });
    unwatch();
    assert.deepEqual(m.observe({ detector: 'tripwire', pid: w.pid, tripwire: attempt() }), { violations: 0, terminated: false }, 'unregistered: record only');
    m.watch({ ...w, jobId: 'job-b' });
    assert.deepEqual(m.observe({ detector: 'tripwire', pid: w.pid, tripwire: attempt() }), { violations: 3, terminated: true }, 'no laundering by re-registration');
    assert.equal(w.reasons.length, 1);
  });
  await withWorker((w) => {
    const m = createMonitor({ config: cfg('standard'), store: memoryStore() });
    m.watch({ ...w, startTime: w.startTime - 5 });
    m.watch(w); // the pid now names another process (other start time)
    assert.equal(m.observe({ detector: 'tripwire', pid: w.pid, tripwire: attempt() }).violations, 1);
  });
});

test('the server process is never terminated by its own monitor; its attempts are counted', () => {
  const store = memoryStore();
  const m = createMonitor({ config: cfg('paranoid'), store });
  const v = m.observe({ detector: 'tripwire', pid: process.pid, tripwire: attempt({ pid: process.pid }) });
  assert.deepEqual(v, { violations: 1, terminated: false });
  assert.equal(store.ofType('process_terminated').length, 0);
});

test('event types by attempt kind and detector; a proc-scan finding is a critical hole', () => {
  const store = memoryStore();
  const m = createMonitor({ config: cfg(), store });
  const pid = 2 ** 22 + 3; // not a process: record-only
  m.observe({ detector: 'tripwire', pid, tripwire: attempt({ kind: 'dns', api: 'dns.lookup' }) });
  m.observe({ detector: 'tripwire', pid, tripwire: attempt({ kind: 'p2p', api: 'require', target: 'wrtc', package: 'app' }) });
  m.observe({ detector: 'tripwire', pid, tripwire: attempt({ kind: 'process_spawn', api: 'child_process.spawn', target: 'curl', package: 'app' }) });
  m.observe({ detector: 'tripwire', pid, tripwire: attempt({ kind: 'hole', api: 'diagnostics_channel' }) });
  m.observe({ detector: 'seccomp', pid, jail: { pid, syscall: 'connect', family: 'AF_INET', address: '192.0.2.1', port: 80, ts: '' }, summary: { program: 'python3' } });
  m.observe({ detector: 'proc-scan', pid, summary: { why: 'outgoing loopback connection', remote: '127.0.0.1:3128', program: 'node' } });
  assert.deepEqual(store.events.map((e) => [e.type, e.severity]), [
    ['dns_blocked', 'warning'], ['p2p_blocked', 'warning'], ['process_spawn_blocked', 'warning'],
    ['monitor_hole', 'critical'], ['network_attempt', 'warning'], ['monitor_hole', 'critical'],
  ]);
  assert.equal(store.events[2]!.details['culprit'], 'curl', 'a spawn names the program');
  assert.equal(store.events[4]!.details['culprit'], 'python3');
  assert.equal(store.events[4]!.details['destination'], '192.0.2.1:80');
  assert.equal(store.events[4]!.details['syscall'], 'connect');
  assert.equal(store.events[5]!.details['destination'], '127.0.0.1:3128');
  assert.ok(store.events.every((e) => typeof e.dedupKey === 'string' && e.dedupKey.length > 0), 'floods aggregate in the store');
  assert.deepEqual(m.stats().attempts, { 'dns_blocked|tripwire': 1, 'p2p_blocked|tripwire': 1, 'process_spawn_blocked|tripwire': 1, 'monitor_hole|tripwire': 1, 'network_attempt|seccomp': 1, 'monitor_hole|proc-scan': 1 });
});

test('IPC: AttemptMessages from a child are attributed by the channel, not by what the message claims', async () => {
  await withWorker((w) => {
    const store = memoryStore();
    const m = createMonitor({ config: cfg('strict'), store });
    m.watch(w);
    const child = Object.assign(new EventEmitter(), { pid: w.pid });
    const detach = m.attachChild(child, 'job-a');
    child.emit('message', { hermetic: 'attempt', attempt: attempt({ pid: 1, jobId: 'someone-else' }) });
    child.emit('message', { hermetic: 'not-an-attempt' });
    child.emit('message', 'hello');
    assert.equal(store.ofType('network_attempt').length, 1);
    assert.equal(store.ofType('network_attempt')[0]!.details['pid'], w.pid);
    assert.equal(store.ofType('network_attempt')[0]!.details['jobId'], 'job-a');
    assert.equal(w.reasons.length, 1, 'strict: terminated');
    detach();
    child.emit('message', { hermetic: 'attempt', attempt: attempt() });
    assert.equal(store.ofType('network_attempt').length, 1, 'detached: no longer listening');
  });
});

test('IPC: a message naming a process inside the channel tree (the child of a jail supervisor) is attributed to it', async () => {
  const sh = await startProgram('sh', ['-c', 'sleep 30; true']);
  try {
    let kid: number | undefined;
    for (let i = 0; i < 100 && !kid; i++) { kid = processTree(sh.pid!).find((p) => p !== sh.pid); if (!kid) await new Promise((r) => setTimeout(r, 10)); }
    assert.ok(kid);
    const store = memoryStore();
    const m = createMonitor({ config: cfg('strict'), store });
    const reasons: string[] = [];
    m.watch({ pid: kid, startTime: startTimeOf(kid)!, role: 'worker', terminate: (r) => reasons.push(r) });
    const channel = Object.assign(new EventEmitter(), { pid: sh.pid! });
    m.attachChild(channel); // no job id: warm-up, before a job is bound
    channel.emit('message', { hermetic: 'attempt', attempt: attempt({ pid: kid }) });
    assert.equal(store.ofType('network_attempt')[0]!.details['pid'], kid);
    assert.equal(reasons.length, 1, 'the real worker is the one terminated');
  } finally {
    await stopChild(sh);
  }
});

test('jail: supervisor notifications become seccomp attempts against the registered worker', async () => {
  await withWorker((w) => {
    const store = memoryStore();
    const m = createMonitor({ config: cfg('standard'), store, seccompProbe: () => ({ available: true, reason: 'probe ok' }) });
    m.start();
    m.watch(w);
    const handle = { pid: w.pid, events: new EventEmitter() };
    m.attachJail(handle, 'job-a');
    const ja: JailAttempt = { pid: w.pid, syscall: 'socket', family: 'AF_INET6', type: 'SOCK_DGRAM', ts: new Date().toISOString() };
    for (let i = 0; i < 3; i++) handle.events.emit('attempt', ja);
    const rows = store.ofType('network_attempt');
    assert.equal(rows.length, 3);
    assert.equal(rows[0]!.details['detector'], 'seccomp');
    assert.equal(rows[0]!.details['family'], 'AF_INET6');
    assert.equal(rows[0]!.details['socketType'], 'SOCK_DGRAM');
    assert.equal(rows[0]!.details['culprit'], 'sleep', 'the program is named from /proc');
    assert.equal(w.reasons.length, 1);
    assert.equal(m.state().sources['seccomp']!.active, true);
    m.stop();
  });
});

test('lifecycle: started, degraded naming the inactive sources, stopped; state is honest', () => {
  const store = memoryStore();
  const m = createMonitor({ config: cfg(), store });
  assert.equal(m.state().active, false);
  assert.equal(m.state().since, null);
  m.start();
  const st = m.state();
  assert.equal(st.active, true);
  assert.ok(st.since);
  assert.equal(st.sources['tripwire']!.active, false);
  assert.match(st.sources['tripwire']!.reason, /no tripwire/);
  assert.equal(st.sources['seccomp']!.active, false);
  if (process.platform === 'linux') {
    assert.equal(st.sources['proc-scan']!.active, true, st.sources['proc-scan']!.reason);
    assert.equal(st.sources['netns-counters']!.active, true, st.sources['netns-counters']!.reason);
  }
  assert.deepEqual(store.events.map((e) => e.type), ['monitor_started', 'monitor_degraded']);
  const degraded = store.events[1]!.details as { inactive: Record<string, string>; active: string[] };
  assert.deepEqual(Object.keys(degraded.inactive).sort(), ['seccomp', 'tripwire']);
  m.stop();
  assert.equal(store.events.at(-1)!.type, 'monitor_stopped');
  assert.equal(m.state().active, false);
  assert.equal(m.state().sources['proc-scan']!.active, false);
});

test('one-shot CLI wiring (workers-only tripwire, no lifecycle rows): a quiet run records nothing; a worker attempt still is', () => {
  const store = memoryStore();
  const m = createMonitor({ config: cfg(), store, tripwireScope: 'workers', lifecycleEvents: false, seccompProbe: () => ({ available: true, reason: 'ok' }) });
  m.start();
  const st = m.state();
  assert.equal(st.sources['tripwire']!.active, true, st.sources['tripwire']!.reason);
  assert.match(st.sources['tripwire']!.reason, /runs in each worker/);
  if (process.platform === 'linux') assert.deepEqual(store.events, [], 'no monitor_started, no monitor_degraded');
  // Positive control: the same monitor records what a worker's tripwire reports over IPC.
  const child = new EventEmitter() as EventEmitter & { pid: number };
  child.pid = process.pid;
  m.attachChild(child, 'job-q');
  child.emit('message', { hermetic: 'attempt', attempt: attempt({ pid: process.pid }) });
  assert.deepEqual(store.events.map((e) => e.type), ['network_attempt']);
  m.stop();
  assert.deepEqual(store.events.map((e) => e.type), ['network_attempt'], 'no monitor_stopped either');
});

test('a source with nothing to watch here (no seccomp layer on this machine) is listed, not reported as degraded; a wiring gap is', () => {
  const absent = memoryStore();
  const m = createMonitor({ config: cfg(), store: absent, tripwireScope: 'workers', seccompProbe: () => ({ available: false, reason: 'jail helper: not built' }) });
  m.start();
  const s = m.state().sources['seccomp']!;
  assert.equal(s.active, false);
  assert.equal(s.notApplicable, true);
  if (process.platform === 'linux') assert.deepEqual(absent.events.map((e) => e.type), ['monitor_started']);
  m.stop();
  // Without a probe at all the jail was not wired in: that is a degradation, and it is said.
  const gap = memoryStore();
  const g = createMonitor({ config: cfg(), store: gap, tripwireScope: 'workers' });
  g.start();
  assert.deepEqual(gap.events.map((e) => e.type), ['monitor_started', 'monitor_degraded']);
  assert.deepEqual(Object.keys((gap.events[1]!.details as { inactive: Record<string, string> }).inactive), ['seccomp']);
  g.stop();
});

test('an in-process tripwire feeds the monitor; with every source active there is no degraded event', () => {
  const store = memoryStore();
  let listener: ((a: Attempt) => void) | null = null;
  const tripwire = { onAttempt: (fn: (a: Attempt) => void) => { listener = fn; return () => { listener = null; }; }, status: () => ({ installed: true }) };
  const m = createMonitor({ config: cfg(), store, tripwire, seccompProbe: () => ({ available: true, reason: 'ok' }) });
  m.start();
  if (process.platform === 'linux') assert.deepEqual(store.events.map((e) => e.type), ['monitor_started']);
  assert.ok(listener);
  (listener as (a: Attempt) => void)(attempt({ pid: process.pid }));
  assert.equal(store.ofType('network_attempt').length, 1);
  assert.equal(m.state().lastAttempt?.detector, 'tripwire');
  m.stop();
  assert.equal(listener, null, 'unsubscribed on stop');
});

test('a failing store does not stop the monitor; the failures are counted', async () => {
  await withWorker((w) => {
    const m = createMonitor({ config: cfg('strict'), store: { record: () => { throw new Error('disk full'); } } });
    m.watch(w);
    assert.deepEqual(m.observe({ detector: 'tripwire', pid: w.pid, tripwire: attempt() }), { violations: 1, terminated: true });
    assert.equal(w.reasons.length, 1, 'the policy still acts');
    assert.equal(m.stats().recordFailures, 2, 'the attempt and the termination');
  });
});

test('self-test attempts (the verifier, on purpose) are neither recorded nor counted; everything else is', () => {
  const probePid = 2 ** 22 + 11;
  const isSelfTest = (a: { pid?: number; host?: string; port?: number }): boolean =>
    a.pid === probePid || (a.pid === process.pid && a.host === '127.0.0.1' && a.port === 5555);
  const ignore = selfTestFilter(isSelfTest);
  const store = memoryStore();
  const m = createMonitor({ config: cfg(), store, ignore });
  const me = process.pid;
  assert.deepEqual(m.observe({ detector: 'tripwire', pid: me, tripwire: attempt({ host: '127.0.0.1', port: 5555, pid: me }) }), { violations: 0, terminated: false });
  m.observe({ detector: 'seccomp', pid: probePid, jail: { pid: probePid, syscall: 'socket', ts: '' } });
  m.observe({ detector: 'proc-scan', pid: me, summary: { why: 'udp socket', local: '127.0.0.1:5555' } });
  assert.equal(store.events.length, 0);
  assert.equal(m.stats().ignored, 3);
  // Positive control: the same shapes with another port or pid are recorded.
  m.observe({ detector: 'tripwire', pid: me, tripwire: attempt({ host: '127.0.0.1', port: 5556, pid: me }) });
  m.observe({ detector: 'proc-scan', pid: me, summary: { why: 'outgoing loopback connection', local: '127.0.0.1:40000', remote: '[::1]:5555' } });
  m.observe({ detector: 'seccomp', pid: probePid + 1, jail: { pid: probePid + 1, syscall: 'socket', ts: '' } });
  assert.deepEqual(store.events.map((e) => e.details['detector']), ['tripwire', 'proc-scan', 'seccomp']);
  assert.equal(m.stats().ignored, 3);
});
