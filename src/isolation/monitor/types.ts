// Contract of the runtime monitor. The monitor lives in isolation/ and must not import
// convert/ or server/: the worker pool (convert/) registers its processes here, and the
// server asks the monitor for its state.
import type { Attempt } from '../tripwire/types.js';
import type { JailAttempt } from '../jail/types.js';

/** Which witness saw an attempt. */
export type Detector = 'tripwire' | 'seccomp' | 'proc-scan' | 'netns-counters' | 'diagnostics-channel';

/** A process the monitor may terminate. Keyed by pid AND start time (pid reuse). */
export interface WatchedProcess {
  pid: number;
  /** Process start time (clock ticks since boot, /proc/<pid>/stat field 22), to survive pid reuse. */
  startTime: number;
  jobId?: string;
  /** 'worker' (a jailed converter) or 'server' (our own process). */
  role: 'worker' | 'server';
  /** Terminate: SIGTERM, then SIGKILL after the grace period (the monitor calls this). */
  terminate(reason: string): void;
}

/** One attempt as the monitor receives it, from any detector. */
export interface ObservedAttempt {
  detector: Detector;
  pid: number;
  jobId?: string;
  tripwire?: Attempt;
  jail?: JailAttempt;
  /** For detectors with no structured attempt (proc-scan, netns-counters): what was seen. */
  summary?: Record<string, unknown>;
}

/** What the monitor decided about an attempt. */
export interface Verdict {
  violations: number;
  terminated: boolean;
}

export interface MonitorState {
  active: boolean;
  since: string | null;
  sources: Record<string, { active: boolean; reason: string }>;
  blockedAttempts: number;
  lastAttempt: { ts: string; detector: Detector; summary: string } | null;
  terminations: number;
}
