// Source 1: tripwire attempts — in this process (onAttempt) and from every Node child that
// runs the tripwire and sends AttemptMessages over its IPC channel.
import type { Attempt, AttemptMessage } from '../../tripwire/types.js';
import { ancestors } from '../proc/index.js';
import type { AttemptSink, MonitorSource, SourceStatus } from './source.js';

/** The part of the tripwire's public face the monitor uses (src/isolation/tripwire/index.ts). */
export interface TripwireLike {
  onAttempt(fn: (attempt: Attempt) => void): () => void;
  status(): { installed: boolean };
}

/** Where the converter code this monitor watches runs: in this process too, or only in workers. */
export type TripwireScope = 'process' | 'workers';

/** Something with a Node IPC channel: a ChildProcess, or a jail handle's child. */
export interface IpcChild {
  pid?: number;
  on(ev: 'message', fn: (m: unknown) => void): unknown;
  off(ev: 'message', fn: (m: unknown) => void): unknown;
}

export function isAttemptMessage(m: unknown): m is AttemptMessage {
  if (!m || typeof m !== 'object') return false;
  const msg = m as Partial<AttemptMessage>;
  return msg.hermetic === 'attempt' && !!msg.attempt && typeof msg.attempt === 'object' && typeof msg.attempt.kind === 'string' && typeof msg.attempt.api === 'string';
}

export class TripwireSource implements MonitorSource {
  readonly name = 'tripwire';
  private unsubscribe: (() => void) | null = null;
  private readonly children = new Set<() => void>();
  private started = false;

  /**
   * `scope` 'workers': this process runs no converter code (the one-shot CLI), so no in-process
   * tripwire is asked for — the tripwire in every worker reports over its IPC channel.
   */
  constructor(private readonly sink: AttemptSink, private readonly tripwire: TripwireLike | null, private readonly scope: TripwireScope = 'process') {}

  start(): void {
    this.started = true;
    if (this.tripwire && !this.unsubscribe) {
      this.unsubscribe = this.tripwire.onAttempt((attempt) => this.sink({ detector: 'tripwire', pid: process.pid, ...(attempt.jobId ? { jobId: attempt.jobId } : {}), tripwire: attempt }));
    }
  }

  stop(): void {
    this.started = false;
    this.unsubscribe?.();
    this.unsubscribe = null;
    for (const detach of [...this.children]) detach();
  }

  /**
   * Forward a child's AttemptMessages. The job comes from the channel, and the pid is the
   * channel's — or the pid the message names if that process is inside the channel's own tree
   * (a jail supervisor's child is the real worker). A child can never get a process outside its
   * own tree blamed (or killed) by lying.
   */
  attachChild(child: IpcChild, jobId?: string): () => void {
    const channelPid = child.pid;
    const onMessage = (m: unknown): void => {
      if (!isAttemptMessage(m) || channelPid === undefined) return;
      const claimed = m.attempt.pid;
      const pid = Number.isInteger(claimed) && claimed !== channelPid && ancestors(claimed).slice(1).includes(channelPid) ? claimed : channelPid;
      const attempt: Attempt = { ...m.attempt, pid, ...(jobId ? { jobId } : {}) };
      this.sink({ detector: 'tripwire', pid, ...(jobId ? { jobId } : {}), tripwire: attempt });
    };
    child.on('message', onMessage);
    const detach = (): void => {
      child.off('message', onMessage);
      this.children.delete(detach);
    };
    this.children.add(detach);
    return detach;
  }

  status(): SourceStatus {
    if (!this.tripwire && this.scope === 'workers') {
      return { active: this.started, reason: this.started ? `the tripwire runs in each worker and reports over IPC (this process runs no converter code); ${this.children.size} worker channel(s) attached` : 'not started' };
    }
    if (!this.tripwire) return { active: this.children.size > 0, reason: this.children.size > 0 ? `listening to ${this.children.size} child process(es); no in-process tripwire given` : 'no tripwire given to the monitor' };
    const installed = this.tripwire.status().installed;
    if (!installed) return { active: false, reason: 'tripwire is not installed in this process' };
    if (!this.unsubscribe) return { active: false, reason: 'not started' };
    return { active: true, reason: `subscribed in-process; ${this.children.size} child channel(s)` };
  }
}
