// Issue 19: a background task must never take the server down. A real server, wired as
// `hermetic serve` wires it (isolation service, monitor, jailed conversion pool), gets a fault
// injected into each background task while conversions run; it must keep answering, record
// the fault as a security event, and recover.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config/index.js';
import { startServer, createLogger, type RunningServer } from '../../src/server/index.js';
import { IsolationService } from '../../src/isolation/verify/index.js';
import { loadDefaultDeps, type JailApi } from '../../src/isolation/verify/deps.js';
import { CANARY_CHILD } from '../../src/isolation/verify/checks/jail-canary.js';
import { helperBuilt, spawn as jailSpawn } from '../../src/isolation/jail/index.js';
import { createMonitor } from '../../src/isolation/monitor/index.js';
import { ConvertService, type JailSpawn } from '../../src/convert/index.js';
import { req } from '../unit/server-client.js';

type CanaryFault = 'exit-early' | 'close-stdin' | null;

/** The real jail, except that the next canary run(s) are replaced by a misbehaving child. */
function faultyJail(real: JailApi, fault: { next: CanaryFault }): JailApi {
  return {
    probe: (o) => real.probe(o),
    spawn(command, args, options) {
      const f = fault.next;
      if (f && args[0] === CANARY_CHILD) {
        // exit-early: gone before the checker writes 'stop' (the EPIPE that crashed the server).
        // close-stdin: alive, but its stdin is closed under the checker's write.
        const script = f === 'exit-early'
          ? 'process.exit(0)'
          : "require('fs').closeSync(0); setTimeout(() => process.exit(0), 300)";
        return real.spawn(command, ['-e', script], options);
      }
      return real.spawn(command, args, options);
    },
  };
}

interface Rig { server: RunningServer; service: IsolationService; svc: ConvertService; port: number; auth: Record<string, string>; config: Config }

async function rig(dataDir: string, opts: { fault: { next: CanaryFault }; spawn?: JailSpawn; procRoot?: string; onFault?: (task: string, e: Error) => void }): Promise<Rig> {
  // This test process has no tripwire installed (it is the test runner): the policy asks only
  // for what is measured here, so a healthy run is a satisfied one.
  const verifyPolicy = { standard: { minLevel: 'runtime-only', required: [] }, strict: { minLevel: 'kernel-enforced', required: [] }, paranoid: { minLevel: 'kernel-enforced', required: [] } };
  const config = loadConfig({ env: {}, flags: { dataDir, port: 0, poolSize: 2, workerMemoryMb: 512, logLevel: 'silent', verifyIntervalMs: 0, verifyPolicy } });
  const deps = await loadDefaultDeps();
  if ('unavailable' in deps.jail) throw new Error(deps.jail.unavailable);
  const jail = deps.jail;
  let service!: IsolationService;
  let svc!: ConvertService;
  const server = await startServer(config, {
    logger: createLogger({ ...config, logLevel: 'silent' }),
    runtimeFile: false,
    setup: (ctx) => {
      service = new IsolationService({ config, role: 'server', events: ctx.store, deps: { ...deps, jail: faultyJail(jail, opts.fault) } });
      ctx.isolation = service;
      const monitor = createMonitor({
        config: { strictness: config.strictness, violationThreshold: 3, killGraceMs: 500, monitorIntervalMs: 100 },
        rootPid: process.pid,
        store: ctx.store,
        ...(opts.procRoot ? { procRoot: opts.procRoot } : {}),
      });
      monitor.start();
      ctx.monitor = monitor;
      svc = new ConvertService({
        config, spawn: opts.spawn ?? jailSpawn, store: ctx.store, monitor,
        onFault: (task, e) => {
          ctx.store.record({ type: 'background_fault', severity: 'warning', details: { task, error: e.message } });
          opts.onFault?.(task, e);
        },
      });
      ctx.jobs = svc;
      return async () => { await svc.close(); monitor.stop(); service.stop(); };
    },
  });
  return { server, service, svc, config, port: server.ctx.bind?.port ?? 0, auth: { authorization: `Bearer ${server.ctx.token}` } };
}

async function convertMd(r: Rig, i: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${r.port}/api/convert?to=html&from=md`, { method: 'POST', headers: { ...r.auth, 'content-type': 'application/octet-stream' }, body: `# Title ${i}\n\nBody ${i}.` });
  await res.arrayBuffer();
  return res.status;
}

for (const fault of ['exit-early', 'close-stdin'] as const) {
  test(`periodic verification with a canary that does '${fault}' under concurrent conversions: the server keeps serving, one event records the failed check, the next verification passes`, { timeout: 180_000 }, async (t) => {
    if (process.platform !== 'linux') return t.skip('the kernel jail is Linux-only');
    if (!helperBuilt()) return t.skip('native/build/hermetic-jail is not built (no C compiler at install)');
    const dataDir = mkdtempSync(join(tmpdir(), 'hermetic-bg-verify-'));
    const state = { next: null as CanaryFault };
    const r = await rig(dataDir, { fault: state });
    t.after(async () => { await r.server.close(); rmSync(dataDir, { recursive: true, force: true }); });
    const before = await r.service.verify('startup');
    const canaryBefore = before.checks.find((c) => c.id === 'jail.canary');
    assert.equal(canaryBefore?.status, 'pass', canaryBefore?.detail);
    assert.equal(before.verdict.satisfied, true, before.verdict.reasons.join('; '));
    assert.equal(r.server.ctx.store.query({ type: 'verification_failed' }).total, 0, 'the start-up run was healthy');

    state.next = fault;
    const conversions = Promise.all([1, 2, 3, 4].map((i) => convertMd(r, i)));
    const broken = await r.service.periodicOnce();
    state.next = null;
    assert.ok(broken, 'the periodic run produced a report');
    const canary = broken.checks.find((c) => c.id === 'jail.canary');
    assert.equal(canary?.status, 'fail');
    assert.match(canary?.detail ?? '', /the jailed canary gave no answer/);
    if (fault === 'exit-early') assert.match(canary?.detail ?? '', /its stdin failed: EPIPE/, 'the write that used to crash the server really failed');
    // Let any late stream error surface before we look: it must have been handled, not thrown.
    await new Promise((res) => setTimeout(res, 300));
    assert.deepEqual(await conversions, [200, 200, 200, 200], 'conversions in flight succeeded');
    assert.equal((await req(r.port, '/api/health')).status, 200, 'the server still answers');

    const periodicFailures = () => r.server.ctx.store.query({ type: 'verification_failed' }).events.filter((e) => e.details['trigger'] === 'periodic');
    const failed = periodicFailures();
    assert.equal(failed.length, 1, 'exactly one event records the failed check');
    const d = failed[0]!.details as { trigger: string; regressed?: Record<string, string> };
    assert.equal(d.trigger, 'periodic');
    assert.ok(d.regressed?.['jail.canary'], `the regression names the check: ${JSON.stringify(d)}`);
    assert.equal(r.server.ctx.store.query({ type: 'background_fault' }).total, 0, 'handled where it happened, not by a last-resort guard');

    const after = await r.service.periodicOnce();
    assert.equal(after?.checks.find((c) => c.id === 'jail.canary')?.status, 'pass');
    assert.equal(periodicFailures().length, 1, 'the recovery is not another failure');
    assert.equal(r.server.ctx.store.query({ type: 'verification_completed' }).events[0]?.details['trigger'], 'periodic');
  });
}

test('a fault in each background task (verifier throws, monitor source blind, pool replenish fails): the server stays up and each fault is an event', { timeout: 180_000 }, async (t) => {
  if (process.platform !== 'linux') return t.skip('the /proc cross-check and the kernel jail are Linux-only');
  const dataDir = mkdtempSync(join(tmpdir(), 'hermetic-bg-faults-'));
  // A /proc the monitor can start on, then lose: the source must go blind loudly, not crash.
  const fakeProc = mkdtempSync(join(tmpdir(), 'hermetic-fake-proc-'));
  mkdirSync(join(fakeProc, String(process.pid), 'net'), { recursive: true });
  symlinkSync('/proc/self/fd', join(fakeProc, String(process.pid), 'fd'));
  writeFileSync(join(fakeProc, String(process.pid), 'net', 'tcp'), '');
  let failSpawns = true;
  const spawnFaults: string[] = [];
  const flakySpawn: JailSpawn = (cmd, args, o) => {
    if (failSpawns) return Promise.reject(new Error('injected: cannot start a worker'));
    return jailSpawn(cmd, args, o);
  };
  const r = await rig(dataDir, { fault: { next: null }, spawn: flakySpawn, procRoot: fakeProc, onFault: (task) => spawnFaults.push(task) });
  t.after(async () => { await r.server.close(); rmSync(dataDir, { recursive: true, force: true }); rmSync(fakeProc, { recursive: true, force: true }); });

  // 1. Pool replenish: the warm-up spawn fails in the background.
  r.svc.start();
  const deadline = Date.now() + 10_000;
  while (!spawnFaults.length && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
  assert.ok(spawnFaults.includes('pool.replenish'), 'the failed replenish was reported');
  const bg = r.server.ctx.store.query({ type: 'background_fault' });
  assert.ok(bg.total >= 1);
  assert.equal(bg.events[0]!.details['task'], 'pool.replenish');
  assert.match(String(bg.events[0]!.details['error']), /injected: cannot start a worker/);

  // 2. Monitor source: its /proc disappears under it.
  rmSync(join(fakeProc, String(process.pid), 'net', 'tcp'));
  const until = Date.now() + 10_000;
  while (!r.server.ctx.store.query({ type: 'monitor_degraded' }).total && Date.now() < until) await new Promise((res) => setTimeout(res, 50));
  assert.ok(r.server.ctx.store.query({ type: 'monitor_degraded' }).total >= 1, 'the blind source was recorded as monitor_degraded');

  // 3. Verifier: the whole run throws (a broken dependency), in the periodic path.
  (r.service as unknown as { runOnce: () => Promise<never> }).runOnce = () => Promise.reject(new Error('injected: verifier broke'));
  assert.equal(await r.service.periodicOnce(), null);
  const vf = r.server.ctx.store.query({ type: 'verification_failed' });
  assert.equal(vf.total, 1);
  assert.match(String(vf.events[0]!.details['error']), /injected: verifier broke/);

  // Still serving; and once the pool can spawn again, conversions work (positive control).
  const health = await req(r.port, '/api/health');
  assert.equal(health.status, 200, health.body);
  failSpawns = false;
  // The pool retries with back-off (0.5 s, 1 s, 2 s …); meanwhile a job fails fast with the reason.
  let status = 0;
  for (const end = Date.now() + 60_000; status !== 200 && Date.now() < end;) {
    status = await convertMd(r, 1);
    if (status !== 200) await new Promise((res) => setTimeout(res, 500));
  }
  assert.equal(status, 200, 'conversions work again once workers can start');
});
