// Types of the start-up verification: one result per check, one report per run, one verdict.
import type { Strictness } from '../../config/index.js';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

/** What every check returns. `data` carries the measured facts behind `detail` (machine-readable). */
export interface CheckResult {
  id: string;
  title: string;
  status: CheckStatus;
  /** One or two sentences a person can act on: what was measured, and why this status. */
  detail: string;
  ms: number;
  /** Informational checks explain the verdict but never change it (host.network). */
  informational?: boolean;
  data?: Record<string, unknown>;
}

/**
 * `kernel-enforced`: the jailed canary was stopped by at least one kernel layer (measured, not assumed).
 * `runtime-only`: only the in-process tripwire was shown to work.
 * `unverified`: not even that.
 */
export const ISOLATION_LEVELS = ['unverified', 'runtime-only', 'kernel-enforced'] as const;
export type IsolationLevel = (typeof ISOLATION_LEVELS)[number];

/** One kernel/runtime layer as the indicator shows it. */
export interface LayerSummary {
  name: string;
  /** Measured in force for jailed children (from the canary), or offered by the probe when the canary did not run. */
  inForce: boolean;
  reason: string;
}

export interface Verdict {
  level: IsolationLevel;
  strictness: Strictness;
  /** The level and the required checks satisfy the strictness policy. */
  satisfied: boolean;
  /** Why not satisfied (empty when satisfied). Each names a check or the level. */
  reasons: string[];
  /** Kernel layers that stopped the canary (empty unless kernel-enforced). */
  kernelLayers: string[];
}

export interface VerificationReport {
  /** Report format version, bumped on incompatible changes. */
  schema: 1;
  verifiedAt: string;
  durationMs: number;
  /** Why this run happened. */
  trigger: 'startup' | 'on-demand' | 'periodic' | 'cli';
  verdict: Verdict;
  layers: LayerSummary[];
  checks: CheckResult[];
}
