// The verdict (level measured, policy satisfied), the convert decision and the indicator line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_VERIFY_POLICY, loadConfig } from '../../../src/config/index.js';
import { convertDecision, decide, measureLevel, statusLine, summarize, reportTable, type CheckResult, type VerificationReport } from '../../../src/isolation/verify/index.js';

const r = (id: string, status: CheckResult['status'], data?: Record<string, unknown>): CheckResult => ({ id, title: id, status, detail: `${id} ${status}`, ms: 1, ...(data ? { data } : {}) });
const tripwireOk = [r('tripwire.installed', 'pass'), r('tripwire.selftest', 'pass')];
const canaryOk = r('jail.canary', 'pass', { blocked: true, kernelLayers: ['namespace', 'seccomp', 'landlock'] });
const serverOk = [r('server.bind', 'pass'), r('process.self', 'pass')];

test('level: kernel-enforced only from a measured canary block; runtime-only from the tripwire; else unverified', () => {
  assert.equal(measureLevel([...tripwireOk, canaryOk]).level, 'kernel-enforced');
  assert.deepEqual(measureLevel([canaryOk]).kernelLayers, ['namespace', 'seccomp', 'landlock']);
  // Under-reporting supervisor: still a measured kernel block.
  assert.equal(measureLevel([r('jail.canary', 'warn', { blocked: true, kernelLayers: ['seccomp'] })]).level, 'kernel-enforced');
  // A pass without the measured facts is not enough (nothing is assumed).
  assert.equal(measureLevel([r('jail.canary', 'pass')]).level, 'unverified');
  assert.equal(measureLevel([...tripwireOk, r('jail.canary', 'fail', { blocked: false, kernelLayers: [] })]).level, 'runtime-only');
  assert.equal(measureLevel([r('tripwire.installed', 'pass'), r('tripwire.selftest', 'fail')]).level, 'unverified');
  assert.equal(measureLevel([]).level, 'unverified');
});

test('policy: strict needs kernel-enforced and its required checks; standard only reports', () => {
  const runtime = [...tripwireOk, r('jail.canary', 'fail', { blocked: false }), ...serverOk];
  const std = decide(runtime, 'standard', DEFAULT_VERIFY_POLICY.standard);
  assert.equal(std.satisfied, true);
  const strict = decide(runtime, 'strict', DEFAULT_VERIFY_POLICY.strict);
  assert.equal(strict.satisfied, false);
  assert.match(strict.reasons[0] ?? '', /isolation is runtime-only; strict needs kernel-enforced/);
  assert.ok(strict.reasons.some((x) => x.startsWith('jail.canary: fail')));
  assert.equal(decide([...tripwireOk, canaryOk, ...serverOk], 'strict', DEFAULT_VERIFY_POLICY.strict).satisfied, true);
  // Paranoid also needs process.self; a skip is not a pass …
  const para = decide([...tripwireOk, canaryOk, r('server.bind', 'pass'), r('process.self', 'skip')], 'paranoid', DEFAULT_VERIFY_POLICY.paranoid);
  assert.equal(para.satisfied, false);
  // … unless the check does not apply to this process at all (the CLI is not the server).
  const cli = decide([...tripwireOk, canaryOk, r('server.bind', 'skip', { notApplicable: true }), r('process.self', 'skip', { notApplicable: true })], 'paranoid', DEFAULT_VERIFY_POLICY.paranoid);
  assert.equal(cli.satisfied, true);
  const noSeccomp = decide([...tripwireOk, r('jail.canary', 'pass', { blocked: true, kernelLayers: ['namespace', 'landlock'] }), ...serverOk], 'paranoid', DEFAULT_VERIFY_POLICY.paranoid);
  assert.equal(noSeccomp.satisfied, false);
  assert.match(noSeccomp.reasons[0] ?? '', /paranoid needs seccomp/);
  assert.equal(decide([...tripwireOk, r('jail.canary', 'pass', { blocked: true, kernelLayers: ['namespace', 'landlock'] }), ...serverOk], 'strict', DEFAULT_VERIFY_POLICY.strict).satisfied, true);
  const missing = decide([canaryOk], 'strict', DEFAULT_VERIFY_POLICY.strict);
  assert.ok(missing.reasons.includes('tripwire.installed: required but did not run'));
});

test('policy table comes from config, with defaults, and can be changed per level', (t) => {
  const env = { HERMETIC_DATA_DIR: '/nonexistent/hermetic-test' };
  const cfg = loadConfig({ env });
  assert.deepEqual(cfg.verifyPolicy.strict, DEFAULT_VERIFY_POLICY.strict);
  const custom = loadConfig({ env, flags: { verifyPolicy: { strict: { minLevel: 'kernel-enforced', required: ['jail.canary'] } } } });
  assert.deepEqual(custom.verifyPolicy.strict.required, ['jail.canary']);
  assert.deepEqual(custom.verifyPolicy.paranoid, DEFAULT_VERIFY_POLICY.paranoid);
  assert.throws(() => loadConfig({ env, flags: { verifyPolicy: { strict: { minLevel: 'sort-of', required: [] } } } }), /verifyPolicy\.strict\.minLevel/);
  t.diagnostic(`defaults: ${JSON.stringify(DEFAULT_VERIFY_POLICY)}`);
});

test('canConvert: standard always; strict/paranoid refuse with 503 ISOLATION_INSUFFICIENT unless kernel-enforced', () => {
  const runtime = decide([...tripwireOk], 'strict', DEFAULT_VERIFY_POLICY.strict);
  assert.deepEqual(convertDecision(runtime, 'standard'), { ok: true });
  const no = convertDecision(runtime, 'strict');
  assert.equal(no.ok, false);
  if (!no.ok) {
    assert.equal(no.statusCode, 503);
    assert.equal(no.code, 'ISOLATION_INSUFFICIENT');
    assert.match(no.message, /strict needs kernel-enforced isolation; measured: runtime-only/);
  }
  const never = convertDecision(null, 'paranoid');
  assert.equal(never.ok, false);
  const kernel = decide([...tripwireOk, canaryOk, ...serverOk], 'paranoid', DEFAULT_VERIFY_POLICY.paranoid);
  assert.deepEqual(convertDecision(kernel, 'paranoid'), { ok: true });
});

function report(checks: CheckResult[], strictness: 'standard' | 'strict' = 'standard', layers: VerificationReport['layers'] = []): VerificationReport {
  return { schema: 1, verifiedAt: '2026-01-01T00:00:00.000Z', durationMs: 5, trigger: 'startup', verdict: decide(checks, strictness, DEFAULT_VERIFY_POLICY[strictness]), layers, checks };
}

test('status line: the same facts, plain when piped, coloured on a TTY', () => {
  const layers = [
    { name: 'namespace', inForce: true, reason: 'x' }, { name: 'seccomp', inForce: true, reason: 'x' },
    { name: 'landlock', inForce: true, reason: 'x' }, { name: 'node-permission', inForce: false, reason: 'Node < 25' },
  ];
  const k = summarize(report([...tripwireOk, canaryOk], 'standard', layers), 'standard', null);
  assert.equal(statusLine(k), '● Offline — network blocked by the kernel (namespace + seccomp + Landlock) · 0 attempts');
  assert.ok(statusLine(k, { colour: true }).startsWith('\u001b[32m● Offline\u001b[0m'));
  const rt = summarize(report(tripwireOk, 'standard', [{ name: 'namespace', inForce: false, reason: 'user namespaces disabled by AppArmor' }, { name: 'seccomp', inForce: false, reason: 'helper not built' }]), 'standard',
    { active: true, since: 'x', sources: {}, blockedAttempts: 2, lastAttempt: { ts: 't', detector: 'tripwire', summary: 'fetch → 192.0.2.1:443' }, terminations: 0 });
  assert.equal(statusLine(rt), '▲ Runtime guard only — kernel layers unavailable: user namespaces disabled by AppArmor · 2 attempts');
  assert.deepEqual(rt.lastAttempt, { ts: 't', type: 'tripwire', summary: 'fetch → 192.0.2.1:443' });
  assert.equal(rt.monitor.active, true);
  const strictRt = summarize(report(tripwireOk, 'strict'), 'strict', null);
  assert.match(statusLine(strictRt), /conversions refused \(strict\) · 0 attempts · strict$/);
  assert.equal(strictRt.verified, false);
  const none = summarize(null, 'standard', null);
  assert.equal(statusLine(none), '✖ Unverified — verification has not run yet · 0 attempts');
  assert.equal(none.level, 'unverified');
});

test('report table lists every check and the verdict', () => {
  const text = reportTable(report([...tripwireOk, canaryOk, r('firewall.rules', 'skip')]));
  assert.match(text, /PASS {2}jail\.canary/);
  assert.match(text, /SKIP {2}firewall\.rules/);
  assert.match(text, /level: kernel-enforced \(namespace \+ seccomp \+ landlock\) · strictness standard: satisfied/);
  assert.ok(!text.includes('\u001b['), 'no colour codes when piped');
});
