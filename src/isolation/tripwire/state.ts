// Per-thread tripwire state. Kept on globalThis under a registry symbol so that two copies of
// this module (e.g. loaded through different paths) still share one guard: installing twice
// must never stack hooks or split the attempt count.
import type { Attempt, TripwireOptions } from './types.js';

export type AttemptListener = (attempt: Attempt) => void;

export interface TripwireState {
  installed: boolean;
  allowLoopbackPorts: Set<number>;
  allowUnixPaths: Set<string>;
  jobId?: string;
  hooks: Record<string, boolean>;
  witnesses: Record<string, boolean>;
  /** Why a hook or witness is not active (e.g. "not present on this Node"). */
  notes: Record<string, string>;
  attempts: number;
  listeners: Set<AttemptListener>;
  /** Bumped by the socket-connect hook on every call; the diagnostics witness compares it. */
  connectHookCalls: number;
}

const KEY = Symbol.for('hermetic.tripwire.state');

export function state(): TripwireState {
  const g = globalThis as unknown as Record<symbol, TripwireState | undefined>;
  let s = g[KEY];
  if (!s) {
    s = {
      installed: false,
      allowLoopbackPorts: new Set(),
      allowUnixPaths: new Set(),
      hooks: {},
      witnesses: {},
      notes: {},
      attempts: 0,
      listeners: new Set(),
      connectHookCalls: 0,
    };
    Object.defineProperty(g, KEY, { value: s, enumerable: false, configurable: false, writable: false });
  }
  return s;
}

/** Add allow-list entries (the only effect of a second install()). */
export function applyOptions(options: TripwireOptions): void {
  const s = state();
  for (const p of options.allowLoopbackPorts ?? []) {
    if (Number.isInteger(p) && p > 0 && p < 65536) s.allowLoopbackPorts.add(p);
  }
  for (const p of options.allowUnixPaths ?? []) if (p) s.allowUnixPaths.add(p);
  if (options.jobId) s.jobId = options.jobId;
}
