// Terminating a process safely: SIGTERM, a grace period, then SIGKILL — and before each signal,
// check that the pid still names the same process (start time), so a recycled pid is never hit.
// The jail's handle.kill() uses a pidfd, which closes even the small window between that check
// and kill(); pass it as `signal` where a jail handle exists.
import { setTimeout as sleep } from 'node:timers/promises';
import { isSameProcess } from './proc/index.js';
import { EXIT_POLL_MS } from './constants.js';

export interface TerminateTarget {
  pid: number;
  startTime: number;
  /** Signal sender bound to the process (e.g. a pidfd-based jail handle.kill). */
  signal?: (sig: NodeJS.Signals) => void;
  procRoot?: string;
}

export type TerminateOutcome = 'gone' | 'exited-after-sigterm' | 'killed';

function send(t: TerminateTarget, sig: NodeJS.Signals): boolean {
  if (!isSameProcess(t.pid, t.startTime, t.procRoot)) return false;
  try {
    if (t.signal) t.signal(sig);
    else process.kill(t.pid, sig);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw e;
  }
}

export async function gracefulTerminate(t: TerminateTarget, graceMs: number): Promise<TerminateOutcome> {
  if (!send(t, 'SIGTERM')) return 'gone';
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await sleep(Math.min(EXIT_POLL_MS, Math.max(1, deadline - Date.now())));
    if (!isSameProcess(t.pid, t.startTime, t.procRoot)) return 'exited-after-sigterm';
  }
  return send(t, 'SIGKILL') ? 'killed' : 'exited-after-sigterm';
}
