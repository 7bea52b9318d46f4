// From check results to a verdict: the isolation level that was *measured*, and whether it
// satisfies the strictness policy (a table in config: least level + required checks).
import type { Strictness, VerifyPolicyEntry } from '../../config/index.js';
import { ISOLATION_LEVELS, type CheckResult, type IsolationLevel, type Verdict } from './types.js';

const OK = new Set(['pass', 'warn']);

function byId(checks: readonly CheckResult[]): Map<string, CheckResult> {
  return new Map(checks.map((c) => [c.id, c]));
}

/**
 * kernel-enforced: the jailed canary was measured blocked by ≥ 1 kernel layer (a `warn` there
 * means "blocked, but the supervisor under-reported" — still a measured block).
 * runtime-only: the tripwire is installed and its self-test passed.
 */
export function measureLevel(checks: readonly CheckResult[]): { level: IsolationLevel; kernelLayers: string[] } {
  const m = byId(checks);
  const canary = m.get('jail.canary');
  const kernelLayers = (canary?.data?.kernelLayers as string[] | undefined) ?? [];
  if (canary && OK.has(canary.status) && canary.data?.blocked === true && kernelLayers.length > 0) {
    return { level: 'kernel-enforced', kernelLayers };
  }
  const installed = m.get('tripwire.installed');
  const selftest = m.get('tripwire.selftest');
  if (installed && OK.has(installed.status) && selftest?.status === 'pass') return { level: 'runtime-only', kernelLayers: [] };
  return { level: 'unverified', kernelLayers: [] };
}

export function levelAtLeast(level: IsolationLevel, min: IsolationLevel): boolean {
  return ISOLATION_LEVELS.indexOf(level) >= ISOLATION_LEVELS.indexOf(min);
}

export function decide(checks: readonly CheckResult[], strictness: Strictness, policy: VerifyPolicyEntry): Verdict {
  const { level, kernelLayers } = measureLevel(checks);
  const reasons: string[] = [];
  if (!levelAtLeast(level, policy.minLevel as IsolationLevel)) {
    reasons.push(`isolation is ${level}; ${strictness} needs ${policy.minLevel}`);
  }
  // The paranoid server itself runs under the seccomp jail: no other layer can stand in for it.
  if (strictness === 'paranoid' && level === 'kernel-enforced' && !kernelLayers.includes('seccomp')) {
    reasons.push(`paranoid needs seccomp (the server runs under it); the canary was stopped by ${kernelLayers.join(' + ')} only`);
  }
  const m = byId(checks);
  for (const id of policy.required) {
    const c = m.get(id);
    if (!c) { reasons.push(`${id}: required but did not run`); continue; }
    if (OK.has(c.status)) continue;
    // A check that does not apply to this process (e.g. server.bind in the CLI) is shown, not held against it.
    if (c.status === 'skip' && c.data?.notApplicable === true) continue;
    reasons.push(`${id}: ${c.status} — ${c.detail}`);
  }
  return { level, strictness, satisfied: reasons.length === 0, reasons, kernelLayers };
}

/** The refusal the convert route sends when strictness demands more than was measured. */
export interface ConvertRefusal {
  statusCode: 503;
  code: 'ISOLATION_INSUFFICIENT';
  message: string;
}

export type ConvertDecision = { ok: true } | ({ ok: false } & ConvertRefusal);

/**
 * standard converts with whatever is available. strict and paranoid convert only when the last
 * verification measured `kernel-enforced` and satisfied the policy.
 */
export function convertDecision(verdict: Verdict | null, strictness: Strictness): ConvertDecision {
  if (strictness === 'standard') return { ok: true };
  if (!verdict) {
    return { ok: false, statusCode: 503, code: 'ISOLATION_INSUFFICIENT', message: `strictness ${strictness}: isolation has not been verified yet; conversions are refused until it is` };
  }
  if (verdict.level === 'kernel-enforced' && verdict.satisfied) return { ok: true };
  return {
    ok: false,
    statusCode: 503,
    code: 'ISOLATION_INSUFFICIENT',
    message: `strictness ${strictness} needs kernel-enforced isolation; measured: ${verdict.level}${verdict.reasons.length ? ` (${verdict.reasons[0]})` : ''}. Run \`hermetic verify\` for details.`,
  };
}
