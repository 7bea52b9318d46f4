// The service with the real tripwire, jail and events store: the tripwire checks before and
// after install, the events each verification leaves, and strict refusing conversions with
// the stable code when the kernel layers are (fault-)missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/index.js';
import { openEventStore } from '../../../src/events/index.js';
import * as tripwire from '../../../src/isolation/tripwire/index.js';
import { helperBuilt, probe, spawn } from '../../../src/isolation/jail/index.js';
import { IsolationService, loadDefaultDeps, isSelfTestAttempt, jailCanary, jailLayers, tripwireInstalled, tripwireSelftest, type CheckContext } from '../../../src/isolation/verify/index.js';
import { startCanary } from '../../helpers/canary.js';

async function ctx(): Promise<CheckContext> {
  return { strictness: 'standard', role: 'server', env: {}, procRoot: '/proc', etcRoot: '/etc', deps: await loadDefaultDeps(), timeoutMs: 5000 };
}

test('tripwire checks: fail before install (with the positive control: the same connect reaches a canary), pass after', async () => {
  const c = await ctx();
  assert.equal(tripwire.status().installed, false);
  const before = await tripwireInstalled.run(c);
  assert.equal(before.status, 'fail');
  assert.match(before.detail, /not installed in this process/);
  assert.equal((await tripwireSelftest.run(c)).status, 'fail');

  tripwire.install();
  const seen: unknown[] = [];
  const off = tripwire.onAttempt((a) => { seen.push(a); });
  const after = await tripwireInstalled.run(c);
  assert.notEqual(after.status, 'fail', after.detail);
  const st = await tripwireSelftest.run(c);
  assert.equal(st.status, 'pass', st.detail);
  assert.equal(st.data?.tcp, 'ERR_NETWORK_ISOLATED');
  assert.equal(st.data?.udp, 'ERR_NETWORK_ISOLATED');
  assert.equal(st.data?.canaryHits, 0);
  // Its two attempts reached the listeners, and are recognisable as the self-test's own.
  assert.equal(seen.length, 2);
  assert.ok(seen.every((a) => isSelfTestAttempt(a as { pid: number; host: string; port: number })) === false, 'after the test ends its targets are forgotten');
  off();
  // While it runs they are recognised: observe through a listener during a second run.
  const during: boolean[] = [];
  const off2 = tripwire.onAttempt((a) => { during.push(isSelfTestAttempt(a)); });
  await tripwireSelftest.run(c);
  off2();
  assert.deepEqual(during, [true, true]);
  // A genuine attempt elsewhere is not mistaken for one.
  assert.equal(isSelfTestAttempt({ pid: process.pid, host: '127.0.0.1', port: 1 }), false);
  const canary = await startCanary();
  await canary.close();
});

test('service: events per verification; strict refuses conversions with ISOLATION_INSUFFICIENT without kernel layers, allows with them', async (t) => {
  if (process.platform !== 'linux') return t.skip('the kernel jail is Linux-only');
  if (!helperBuilt()) return t.skip('native/build/hermetic-jail is not built (no C compiler at install)');
  tripwire.install();
  const dataDir = mkdtempSync(join(tmpdir(), 'hermetic-verify-svc-'));
  const store = openEventStore({ dataDir });
  t.after(() => { store.close(); rmSync(dataDir, { recursive: true, force: true }); });
  const config = loadConfig({ env: {}, flags: { dataDir, strictness: 'strict' } });

  const ok = new IsolationService({ config, role: 'cli', events: store });
  assert.equal(ok.canConvert().ok, false, 'nothing verified yet: refused');
  const good = await ok.verify('startup');
  assert.equal(good.verdict.level, 'kernel-enforced', JSON.stringify(good.verdict));
  assert.deepEqual(ok.canConvert(), { ok: true });
  assert.equal(ok.summary().verified, true);
  assert.equal(ok.stats().verifications, 1);

  const bad = new IsolationService({ config, role: 'cli', events: store, jailFault: ['namespace', 'mountns', 'landlock', 'seccomp'] });
  const r = await bad.verify('on-demand');
  assert.equal(r.verdict.level, 'runtime-only');
  const refusal = bad.canConvert();
  assert.equal(refusal.ok, false);
  if (!refusal.ok) {
    assert.equal(refusal.code, 'ISOLATION_INSUFFICIENT');
    assert.equal(refusal.statusCode, 503);
  }
  // A standard server with the same missing layers converts, and says so.
  const std = new IsolationService({ config: { ...config, strictness: 'standard' }, role: 'cli', jailFault: ['namespace', 'mountns', 'landlock', 'seccomp'] });
  await std.verify();
  assert.deepEqual(std.canConvert(), { ok: true });
  assert.equal(std.summary().level, 'runtime-only');

  const page = store.query({ type: ['verification_completed', 'verification_failed'], order: 'asc' });
  assert.deepEqual(page.events.map((e) => [e.type, e.severity]), [['verification_completed', 'info'], ['verification_failed', 'critical']]);
  assert.equal(page.events[1]?.details.level, 'runtime-only');
  assert.equal((page.events[1]?.details.checks as Record<string, string>)['jail.canary'], 'fail');
  // Attempt counts are untouched by verification (its attempts are its own).
  assert.equal(store.blockedAttempts(), 0);
});

test('jail.canary: warn (not pass) when the kernel blocks but the supervisor reports nothing; jail.layers pass when every kernel layer is offered', async (t) => {
  if (process.platform !== 'linux') return t.skip('the kernel jail is Linux-only');
  if (!helperBuilt()) return t.skip('native/build/hermetic-jail is not built (no C compiler at install)');
  const c = await ctx();
  // The real jail, with its supervisor told not to report (seccomp then answers EPERM in-kernel, silently).
  const silent = { probe, spawn: (cmd: string, args: string[], o?: Parameters<typeof spawn>[2]) => spawn(cmd, args, { ...o, report: false }) };
  const r = await jailCanary.run({ ...c, deps: { ...c.deps, jail: silent } });
  const kernel = r.data?.kernelLayers as string[];
  if (!kernel.includes('seccomp')) return t.skip(`seccomp is not in force here (${kernel.join(', ')})`);
  assert.equal(r.status, 'warn', r.detail);
  assert.match(r.detail, /the seccomp supervisor reported only 0 of \d+ refused sockets/);
  assert.equal(r.data?.blocked, true, 'the block itself was measured');
  const layers = await jailLayers.run(c);
  const offered = Object.entries(probe().layers).filter(([n, l]) => ['namespace', 'seccomp', 'landlock'].includes(n) && l.available).length;
  assert.equal(layers.status, offered === 3 ? 'pass' : offered > 0 ? 'warn' : 'fail', layers.detail);
});
