// Run the checks in order, time each, turn a thrown error or an overrun into `fail` (a check
// never crashes verification and never passes by accident), and build the report.
import type { Strictness, VerifyPolicyEntry } from '../../config/index.js';
import type { Check, CheckContext } from './check.js';
import type { CheckResult, LayerSummary, VerificationReport } from './types.js';
import { ALL_CHECKS } from './checks/index.js';
import { decide } from './verdict.js';

export interface RunOptions extends CheckContext {
  policy: VerifyPolicyEntry;
  trigger: VerificationReport['trigger'];
  checks?: readonly Check[];
}

async function runOne(check: Check, ctx: CheckContext): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const overrun = new Promise<never>((_, reject) => {
    // The canary gets its own budget inside; this is the outer guard for any check.
    timer = setTimeout(() => reject(new Error(`did not finish within ${ctx.timeoutMs * 2} ms`)), ctx.timeoutMs * 2);
  });
  try {
    const o = await Promise.race([check.run(ctx), overrun]);
    return { id: check.id, title: check.title, status: o.status, detail: o.detail, ms: Math.round(performance.now() - started), ...(check.informational ? { informational: true } : {}), ...(o.data ? { data: o.data } : {}) };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { id: check.id, title: check.title, status: 'fail', detail: `the check itself failed: ${err.code ? `${err.code}: ` : ''}${err.message}`, ms: Math.round(performance.now() - started), ...(check.informational ? { informational: true } : {}) };
  } finally {
    clearTimeout(timer);
  }
}

/** Layers as the indicator shows them: measured by the canary when it ran, else the probe's offer. */
export function summarizeLayers(checks: readonly CheckResult[]): LayerSummary[] {
  const canary = checks.find((c) => c.id === 'jail.canary');
  const measured = canary?.data?.layers as { name: string; inForce: boolean; reason: string }[] | undefined;
  if (measured?.length) return measured.map((l) => ({ name: l.name, inForce: l.inForce, reason: l.reason }));
  const probed = checks.find((c) => c.id === 'jail.layers')?.data?.layers as Record<string, { available: boolean; reason: string }> | undefined;
  if (probed) return Object.entries(probed).map(([name, l]) => ({ name, inForce: false, reason: `${l.available ? 'available, not measured' : 'unavailable'}: ${l.reason}` }));
  return [];
}

export async function runVerification(opts: RunOptions): Promise<VerificationReport> {
  const started = performance.now();
  const verifiedAt = new Date().toISOString();
  const { policy, trigger, checks = ALL_CHECKS, ...rest } = opts;
  // The checks are independent (none reads another's result), and most of their time is
  // spent waiting on child processes: run them side by side, report them in their order.
  const list = await Promise.all(checks.map((check) => runOne(check, rest)));
  return {
    schema: 1,
    verifiedAt,
    durationMs: Math.round(performance.now() - started),
    trigger,
    verdict: decide(list, opts.strictness as Strictness, policy),
    layers: summarizeLayers(list),
    checks: list,
  };
}
