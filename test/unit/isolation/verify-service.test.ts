// The service's own behaviour with real (test) jails and no tripwire: one shared run for
// concurrent callers, periodic re-verification, events, the check runner's failure handling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_VERIFY_POLICY, type Config } from '../../../src/config/index.js';
import type { NewSecurityEvent } from '../../../src/events/types.js';
import { IsolationService, runVerification, type Check, type VerifyDeps } from '../../../src/isolation/verify/index.js';
import { netnsJail, unshareArgs } from './verify-jails.js';

const cfg = (over: Partial<Pick<Config, 'strictness' | 'verifyIntervalMs'>> = {}): Pick<Config, 'strictness' | 'verifyIntervalMs' | 'verifyPolicy'> =>
  ({ strictness: 'standard', verifyIntervalMs: 0, verifyPolicy: structuredClone(DEFAULT_VERIFY_POLICY), ...over });
const deps = (): VerifyDeps => ({ jail: netnsJail(), tripwire: { unavailable: 'no tripwire in this test' }, firewall: { unavailable: 'no firewall in this test' } });

test('concurrent verify() calls share one run; each run is recorded as an event', async (t) => {
  if (!unshareArgs()) return t.skip('unshare --net is refused on this machine');
  const events: NewSecurityEvent[] = [];
  const s = new IsolationService({ config: cfg(), role: 'cli', deps: deps(), events: { record: (e) => events.push(e) } });
  const [a, b] = await Promise.all([s.verify(), s.verify()]);
  assert.equal(a, b);
  assert.equal(s.stats().verifications, 1);
  // The canary was stopped by the namespace: measured kernel enforcement, tripwire or not …
  assert.equal(a.checks.find((c) => c.id === 'jail.canary')?.status, 'pass');
  assert.equal(a.verdict.level, 'kernel-enforced');
  // … yet the policy also wants the tripwire, which is missing here.
  assert.equal(a.verdict.satisfied, false);
  assert.ok(a.verdict.reasons.some((x) => x.startsWith('tripwire.installed: fail')));
  assert.equal(events.length, 1);
  assert.equal(events[0]?.type, 'verification_failed', 'standard needs the tripwire, which is missing here');
  assert.equal(events[0]?.severity, 'warning');
});

test('periodic re-verification runs on its interval and stops', async (t) => {
  if (!unshareArgs()) return t.skip('unshare --net is refused on this machine');
  const s = new IsolationService({ config: cfg({ verifyIntervalMs: 100 }), role: 'cli', deps: deps() });
  s.startPeriodic();
  const deadline = Date.now() + 15_000;
  while (s.stats().verifications < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  s.stop();
  assert.ok(s.stats().verifications >= 2, `ran ${s.stats().verifications} times`);
  assert.equal(s.report()?.trigger, 'periodic');
  const n = s.stats().verifications;
  await new Promise((r) => setTimeout(r, 400));
  assert.ok(s.stats().verifications <= n + 1, 'stopped (at most the run in flight completes)');
});

test('a check that throws or hangs fails, with the reason; it never passes and never stops the others', async () => {
  const throws: Check = { id: 'x.throws', title: 'throws', run: async () => { throw Object.assign(new Error('boom'), { code: 'EBOOM' }); } };
  const hangs: Check = { id: 'x.hangs', title: 'hangs', run: () => new Promise(() => {}) };
  const fine: Check = { id: 'x.fine', title: 'fine', run: async () => ({ status: 'pass', detail: 'ok' }) };
  const r = await runVerification({ strictness: 'standard', role: 'cli', env: {}, procRoot: '/proc', etcRoot: '/etc', deps: deps(), timeoutMs: 100, policy: DEFAULT_VERIFY_POLICY.standard, trigger: 'cli', checks: [throws, hangs, fine] });
  assert.deepEqual(r.checks.map((c) => [c.id, c.status]), [['x.throws', 'fail'], ['x.hangs', 'fail'], ['x.fine', 'pass']]);
  assert.match(r.checks[0]?.detail ?? '', /the check itself failed: EBOOM: boom/);
  assert.match(r.checks[1]?.detail ?? '', /did not finish within 200 ms/);
});
