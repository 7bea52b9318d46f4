// Contract of the runtime monitor. The monitor lives in isolation/ and must not import
// convert/ or server/: the worker pool (convert/) registers its processes here, and the
// server asks the monitor for its state.
import type { Attempt } from '../tripwire/types.js';
import type { JailAttempt } from '../jail/types.js';
import type { EventEmitter } from 'node:events';
import type { NewSecurityEvent } from '../../events/types.js';
import type { Strictness } from '../../config/index.js';

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
  /** Every source: watching or not, why, and whether it has anything to watch here at all. */
  sources: Record<string, { active: boolean; reason: string; notApplicable?: boolean }>;
  blockedAttempts: number;
  lastAttempt: { ts: string; detector: Detector; summary: string } | null;
  terminations: number;
}

// ---------------------------------------------------------------------------------------------
// Extensions (monitor engineer). Compatible: new optional fields and new types only.
// ---------------------------------------------------------------------------------------------

/** Stable code a job fails with when its worker was terminated for network use. */
export const NETWORK_VIOLATION_CODE = 'NETWORK_VIOLATION';

/** What the monitor needs from the event store (structural: the store in src/events satisfies it). */
export interface EventSink {
  record(event: NewSecurityEvent): unknown;
}

/** Config keys the monitor reads (a Config satisfies it). */
export interface MonitorConfig {
  strictness: Strictness;
  monitorIntervalMs: number;
  violationThreshold: number;
  killGraceMs: number;
}

/** A termination, as emitted on `monitor.events` ('terminated'). */
export interface TerminationNotice {
  pid: number;
  startTime: number;
  jobId?: string;
  role: WatchedProcess['role'] | 'child';
  code: typeof NETWORK_VIOLATION_CODE;
  /** The package or program that made the attempt that crossed the threshold. */
  culprit: string;
  violations: number;
  reason: string;
}

/** One cycle of the /proc cross-check, as emitted on `monitor.events` ('cycle'). */
export interface CycleNotice {
  durationMs: number;
  pids: number;
  sockets: number;
  violations: number;
  tablesRead: boolean;
}

/** Result of the namespace-counter check at job end. */
export interface NetnsCheck {
  /** False when the counters could not be read, or the process shares our namespace. */
  checked: boolean;
  reason: string;
  /** Counters that grew (empty: nothing tried). */
  delta: Record<string, number>;
}

/** Numbers for /api/metrics and network-status. */
export interface MonitorStats {
  cycles: number;
  cycleSecondsTotal: number;
  lastCycleMs: number | null;
  /** Recorded attempts by `${eventType}|${detector}`. */
  attempts: Record<string, number>;
  terminations: number;
  watched: number;
  /** Events the store refused (the monitor keeps running; the count says so). */
  recordFailures: number;
  /** Attempts the `ignore` option declared ours on purpose (verification self-tests). */
  ignored: number;
}

export interface Monitor {
  start(): void;
  stop(): void;
  /** Register a process (a jailed worker) the policy may terminate; returns unwatch. */
  watch(proc: WatchedProcess): () => void;
  /** Feed one attempt from any detector; records it, counts it, maybe terminates. */
  observe(attempt: ObservedAttempt): Verdict;
  /** Listen to a Node child's IPC channel for AttemptMessages (tripwire in the child). */
  attachChild(child: { pid?: number; on(ev: 'message', fn: (m: unknown) => void): unknown; off(ev: 'message', fn: (m: unknown) => void): unknown }, jobId?: string): () => void;
  /** Listen to a jail handle's supervisor notifications ('attempt' → JailAttempt). */
  attachJail(handle: { pid: number; events: EventEmitter }, jobId?: string): () => void;
  /** Read the namespace counters of a watched worker; call at job end, BEFORE the worker exits. */
  checkNetns(pid: number, jobId?: string): NetnsCheck;
  /** Run one /proc cross-check cycle now (also runs on the interval). */
  scanNow(): CycleNotice | null;
  state(): MonitorState;
  stats(): MonitorStats;
  /** 'terminated' (TerminationNotice), 'attempt' (ObservedAttempt), 'cycle' (CycleNotice). */
  readonly events: EventEmitter;
}
