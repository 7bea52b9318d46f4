// The /proc cross-check wired into the monitor: a socket found in our tree becomes one
// critical monitor_hole (not one per cycle), and an unregistered child of ours holding such a
// socket is terminated per policy; the server process itself is recorded, never killed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMonitor, jitteredDelay, type MonitorConfig, type TerminationNotice } from '../../../src/isolation/monitor/index.js';
import { startCanary } from '../../helpers/canary.js';
import { memoryStore, startFixture, sleep } from './monitor-helpers.js';

const skip = process.platform !== 'linux' ? 'the /proc cross-check exists on Linux only' : undefined;
const cfg = (strictness: MonitorConfig['strictness']): MonitorConfig => ({ strictness, monitorIntervalMs: 60_000, violationThreshold: 3, killGraceMs: 200 });

test('jitter stays within ±10 % of the interval', () => {
  assert.equal(jitteredDelay(5000, () => 0), 4500);
  assert.equal(jitteredDelay(5000, () => 0.5), 5000);
  assert.equal(jitteredDelay(5000, () => 0.999999), 5500);
});

test('a child of ours connected to a loopback canary: one hole, and terminated in strict', { skip }, async () => {
  const canary = await startCanary();
  const holder = await startFixture('socket-holder.mjs');
  try {
    const store = memoryStore();
    const m = createMonitor({ config: cfg('strict'), store });
    m.start();
    const baseline = m.scanNow();
    assert.ok(baseline, 'scanning works here');
    const target = `127.0.0.1:${canary.tcpPort}`;
    const holesTo = (): number => store.ofType('monitor_hole').filter((e) => e.details['remote'] === target).length;
    assert.equal(holesTo(), 0, 'positive control: nothing to the canary before the connect');

    const terminated = once(m.events, 'terminated') as Promise<[TerminationNotice]>;
    const exited = once(holder.child, 'exit');
    await holder.ask(`connect ${canary.tcpPort}`);
    m.scanNow();
    assert.equal(holesTo(), 1);
    const hole = store.ofType('monitor_hole').find((e) => e.details['remote'] === target)!;
    assert.equal(hole.severity, 'critical');
    assert.equal(hole.details['detector'], 'proc-scan');
    assert.equal(hole.details['pid'], holder.pid);
    assert.equal(hole.details['why'], 'outgoing loopback connection');
    // /proc/<pid>/comm: 'node', or 'node-MainThread' on Node >= 26 (it names its main thread).
    assert.match(String(hole.details['program']), /^node(-MainThread)?$/);
    const [notice] = await terminated;
    assert.equal(notice.pid, holder.pid);
    assert.equal(notice.role, 'child');
    const [, signal] = await exited;
    assert.equal(signal, 'SIGTERM', 'stopped by the policy');
    m.scanNow();
    assert.equal(holesTo(), 1, 'the same socket is never reported twice');
    m.stop();
  } finally {
    await holder.close();
    await canary.close();
  }
});

test('a socket held by the server process itself is recorded as a hole and the server is not killed', { skip }, async () => {
  const canary = await startCanary();
  try {
    const store = memoryStore();
    const m = createMonitor({ config: cfg('paranoid'), store });
    m.start();
    const { connect } = await import('node:net');
    const s = connect(canary.tcpPort, '127.0.0.1');
    await once(s, 'connect');
    m.scanNow();
    const holes = store.ofType('monitor_hole').filter((e) => e.details['remote'] === `127.0.0.1:${canary.tcpPort}`);
    assert.equal(holes.length, 1);
    assert.equal(holes[0]!.details['pid'], process.pid);
    assert.equal(store.ofType('process_terminated').length, 0);
    s.destroy();
    m.stop();
    await sleep(10);
  } finally {
    await canary.close();
  }
});

test('the monitor runs cycles on its own at the configured interval', { skip }, async () => {
  const m = createMonitor({ config: { ...cfg('standard'), monitorIntervalMs: 100 }, store: memoryStore() });
  m.start();
  // The monitor's timer is unref'd (it must not keep a server alive); this one keeps the test alive.
  const ac = new AbortController();
  const guard = setTimeout(() => ac.abort(), 2000);
  const cycle = await once(m.events, 'cycle', { signal: ac.signal }).catch(() => null);
  clearTimeout(guard);
  assert.ok(cycle, 'a cycle ran within 2 s at a 100 ms interval');
  assert.ok(m.stats().cycles >= 1);
  assert.equal(m.state().sources['proc-scan']!.active, true);
  m.stop();
});

test('a cross-check that starts failing is recorded as monitor_degraded, and its recovery too', () => {
  // A fake /proc: one process holding one socket, whose tcp table is first corrupt, then sane.
  const root = mkdtempSync(join(tmpdir(), 'hermetic-fakeproc-'));
  const pid = 4242;
  try {
    mkdirSync(join(root, String(pid), 'fd'), { recursive: true });
    mkdirSync(join(root, String(pid), 'net'), { recursive: true });
    writeFileSync(join(root, String(pid), 'stat'), `${pid} (node) S 1 ${pid} ${pid} 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 777 0 0`);
    symlinkSync('socket:[9001]', join(root, String(pid), 'fd', '3'));
    const header = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
    writeFileSync(join(root, String(pid), 'net', 'tcp'), `${header}   0: 0100:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 9001 1\n`);
    const store = memoryStore();
    const m = createMonitor({ config: cfg('standard'), store, procRoot: root, rootPid: pid });
    m.start();
    assert.equal(m.scanNow(), null, 'the corrupt table makes the cycle fail');
    const degraded = store.ofType('monitor_degraded').filter((e) => e.details['source'] === 'proc-scan');
    assert.equal(degraded.length, 1);
    assert.match(String((degraded[0]!.details['inactive'] as Record<string, string>)['proc-scan']), /unrecognised socket address/);
    assert.equal(m.state().sources['proc-scan']!.active, false);
    assert.equal(m.scanNow(), null);
    assert.equal(store.ofType('monitor_degraded').filter((e) => e.details['source'] === 'proc-scan').length, 1, 'reported once, not per cycle');

    writeFileSync(join(root, String(pid), 'net', 'tcp'), `${header}   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 9001 1\n`);
    const ok = m.scanNow();
    assert.ok(ok);
    assert.equal(ok.violations, 0, 'a loopback listener is fine');
    assert.equal(store.events.filter((e) => e.type === 'monitor_started' && e.details['resumed'] === true).length, 1);
    assert.equal(m.state().sources['proc-scan']!.active, true);
    m.stop();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
