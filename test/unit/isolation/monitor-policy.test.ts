// Policy: thresholds per strictness, attribution that survives pid reuse, and termination that
// never signals a recycled pid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { terminationThreshold, resolveWatched, ViolationLedger, processKey, gracefulTerminate, startTimeOf, isSameProcess, type WatchedProcess } from '../../../src/isolation/monitor/index.js';
import { processTree } from '../../../src/isolation/monitor/proc/index.js';
import { startFixture, startProgram, stopChild, sleep } from './monitor-helpers.js';

const linuxOnly = process.platform !== 'linux' ? 'needs /proc' : undefined;

function watched(pid: number, startTime: number, jobId?: string): WatchedProcess {
  return { pid, startTime, role: 'worker', ...(jobId ? { jobId } : {}), terminate: () => {} };
}

test('threshold: configured in standard, one in strict and paranoid', () => {
  assert.equal(terminationThreshold('standard', 3), 3);
  assert.equal(terminationThreshold('standard', 5), 5);
  assert.equal(terminationThreshold('strict', 3), 1);
  assert.equal(terminationThreshold('paranoid', 7), 1);
});

test('the ledger counts per pid AND start time', () => {
  const l = new ViolationLedger();
  assert.equal(l.add(processKey(100, 5)), 1);
  assert.equal(l.add(processKey(100, 5)), 2);
  assert.equal(l.add(processKey(100, 6)), 1, 'same pid, later start: a different process starts at zero');
  assert.equal(l.markTerminated(processKey(100, 5)), true);
  assert.equal(l.markTerminated(processKey(100, 5)), false, 'terminated once');
  l.forget(processKey(100, 5));
  assert.equal(l.count(processKey(100, 5)), 0);
});

test('resolve: the registered process, by pid, only while its start time matches (pid reuse)', { skip: linuxOnly }, async () => {
  const child = await startProgram('sleep', ['30']);
  try {
    const st = startTimeOf(child.pid!)!;
    assert.ok(st > 0);
    const ok = resolveWatched(new Map([[child.pid!, watched(child.pid!, st)]]), child.pid!);
    assert.equal(ok.proc?.pid, child.pid);
    assert.equal(ok.proc && 'via' in ok ? ok.via : null, 'pid');
    // Same pid, but the registered process started at another time: it is not that process.
    const reused = resolveWatched(new Map([[child.pid!, watched(child.pid!, st - 1)]]), child.pid!);
    assert.equal(reused.proc, null);
    assert.match('reason' in reused ? reused.reason : '', /reused/);
  } finally {
    await stopChild(child);
  }
});

test('resolve: a grandchild (e.g. python3 run by a converter) belongs to its registered ancestor', { skip: linuxOnly }, async () => {
  const sh = await startProgram('sh', ['-c', 'sleep 30; true']);
  try {
    let kids: number[] = [];
    for (let i = 0; i < 100 && kids.length < 2; i++) { kids = processTree(sh.pid!); await sleep(10); }
    const grandchild = kids.find((p) => p !== sh.pid)!;
    assert.ok(grandchild, 'sleep runs under sh');
    const w = watched(sh.pid!, startTimeOf(sh.pid!)!);
    const r = resolveWatched(new Map([[sh.pid!, w]]), grandchild);
    assert.equal(r.proc, w);
    assert.equal('via' in r ? r.via : null, 'ancestor');
    // With a stale start time for the ancestor, nothing is attributed.
    const stale = resolveWatched(new Map([[sh.pid!, watched(sh.pid!, w.startTime + 1)]]), grandchild);
    assert.equal(stale.proc, null);
    // By job id, when the pid says nothing.
    const byJob = resolveWatched(new Map([[sh.pid!, watched(sh.pid!, w.startTime, 'job-1')]]), 2 ** 22 + 7, 'job-1');
    assert.equal('via' in byJob ? byJob.via : null, 'job');
  } finally {
    await stopChild(sh);
  }
});

test('terminate: SIGTERM is enough for a process that honours it', { skip: linuxOnly }, async () => {
  const child = await startProgram('sleep', ['30']);
  const exited = once(child, 'exit');
  const outcome = await gracefulTerminate({ pid: child.pid!, startTime: startTimeOf(child.pid!)! }, 2000);
  assert.equal(outcome, 'exited-after-sigterm');
  const [, signal] = await exited;
  assert.equal(signal, 'SIGTERM');
});

test('terminate: SIGKILL after the grace period for a process that ignores SIGTERM', { skip: linuxOnly }, async () => {
  const f = await startFixture('ignore-sigterm.mjs');
  const exited = once(f.child, 'exit');
  const t0 = Date.now();
  const outcome = await gracefulTerminate({ pid: f.pid, startTime: startTimeOf(f.pid)! }, 300);
  const [, signal] = await exited;
  assert.equal(outcome, 'killed');
  assert.equal(signal, 'SIGKILL');
  assert.ok(Date.now() - t0 >= 290, 'the grace period was granted');
});

test('terminate: a recycled pid (other start time) is never signalled', { skip: linuxOnly }, async () => {
  const child = await startProgram('sleep', ['30']);
  try {
    const st = startTimeOf(child.pid!)!;
    const outcome = await gracefulTerminate({ pid: child.pid!, startTime: st + 1 }, 100);
    assert.equal(outcome, 'gone');
    await sleep(50);
    assert.equal(isSameProcess(child.pid!, st), true, 'positive control: the process with that pid is still alive');
    assert.equal(child.exitCode, null);
    assert.equal(child.signalCode, null);
  } finally {
    await stopChild(child);
  }
});

test('terminate: a pidfd-style signal function is used when given', { skip: linuxOnly }, async () => {
  const child = await startProgram('sleep', ['30']);
  const sent: string[] = [];
  const outcome = await gracefulTerminate({ pid: child.pid!, startTime: startTimeOf(child.pid!)!, signal: (s) => { sent.push(s); child.kill(s); } }, 1000);
  assert.equal(outcome, 'exited-after-sigterm');
  assert.deepEqual(sent, ['SIGTERM']);
  await stopChild(child);
});
