// The policy: count violations per process — keyed by pid AND start time, so a new process
// that happens to get a recycled pid starts from zero and is never killed for another's deeds —
// and decide when to terminate.
import type { Strictness } from '../../config/index.js';
import type { WatchedProcess } from './types.js';
import { ZERO_TOLERANCE } from './constants.js';
import { ancestors, readStat } from './proc/index.js';

/** Violations at which a process is terminated: config in `standard`, 1 in strict/paranoid. */
export function terminationThreshold(strictness: Strictness, configured: number): number {
  return (ZERO_TOLERANCE as readonly string[]).includes(strictness) ? 1 : Math.max(1, configured);
}

export function processKey(pid: number, startTime: number): string {
  return `${pid}:${startTime}`;
}

/** Violation counts per process identity. */
export class ViolationLedger {
  private readonly counts = new Map<string, number>();
  private readonly terminated = new Set<string>();

  add(key: string): number {
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    return n;
  }

  count(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  /** Mark as terminated; false when it already was (terminate once). */
  markTerminated(key: string): boolean {
    if (this.terminated.has(key)) return false;
    this.terminated.add(key);
    return true;
  }

  isTerminated(key: string): boolean {
    return this.terminated.has(key);
  }

  forget(key: string): void {
    this.counts.delete(key);
    this.terminated.delete(key);
  }
}

export type Resolution =
  | { proc: WatchedProcess; via: 'pid' | 'job' | 'ancestor' }
  | { proc: null; reason: string };

/**
 * Which registered process an attempt belongs to. The attempt's pid may be the worker itself,
 * or a grandchild of it (seccomp reports the process that made the syscall, e.g. python3 run
 * by a converter). A registered pid whose current start time differs is a recycled pid: it is
 * NOT the registered process.
 */
export function resolveWatched(watched: ReadonlyMap<number, WatchedProcess>, pid: number, jobId?: string, procRoot = '/proc'): Resolution {
  const direct = watched.get(pid);
  if (direct) {
    const st = readStat(pid, procRoot);
    // Gone (or a zombie not yet reaped): while registered, the pid still means that process.
    if (!st || st.state === 'Z' || st.startTime === direct.startTime) return { proc: direct, via: 'pid' };
  }
  if (jobId) {
    for (const w of watched.values()) if (w.jobId === jobId) return { proc: w, via: 'job' };
  }
  for (const a of ancestors(pid, 32, procRoot).slice(1)) {
    const w = watched.get(a);
    const st = readStat(a, procRoot);
    if (w && st && st.startTime === w.startTime) return { proc: w, via: 'ancestor' };
  }
  if (direct) return { proc: null, reason: `pid ${pid} was reused: its start time no longer matches the registered process` };
  return { proc: null, reason: `pid ${pid} is not a registered process` };
}
