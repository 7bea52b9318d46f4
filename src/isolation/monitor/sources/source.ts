// What every source of attempts has in common: it can be started and stopped, and it says
// whether it is really watching — and if not, why — so the monitor never claims coverage it
// does not have.
import type { ObservedAttempt } from '../types.js';

export interface SourceStatus {
  active: boolean;
  reason: string;
  /**
   * Inactive by design, not by failure: there is nothing here for this source to watch (no
   * seccomp layer on this machine — the verifier reports the missing layer; no /proc on this
   * platform). Listed in the monitor's state, never reported as `monitor_degraded`.
   */
  notApplicable?: boolean;
}

export interface MonitorSource {
  readonly name: string;
  start(): void;
  stop(): void;
  status(): SourceStatus;
}

/** Where a source hands its attempts (the monitor's observe()). */
export type AttemptSink = (attempt: ObservedAttempt) => void;
