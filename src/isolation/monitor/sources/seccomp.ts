// Source 2: the jail supervisor's seccomp notifications. These cover ANY code in a jailed tree —
// native addons, command-line tools, grandchildren — because the kernel reports the syscall,
// not a JavaScript API. Each handle emits 'attempt' with a JailAttempt.
import type { EventEmitter } from 'node:events';
import type { JailAttempt } from '../../jail/types.js';
import { readStat } from '../proc/index.js';
import type { AttemptSink, MonitorSource, SourceStatus } from './source.js';

/** Whether the seccomp layer exists here (from the jail's probe()). */
export type SeccompProbe = () => { available: boolean; reason: string };

export class SeccompSource implements MonitorSource {
  readonly name = 'seccomp';
  private readonly handles = new Set<() => void>();
  private started = false;

  constructor(private readonly sink: AttemptSink, private readonly probe: SeccompProbe | null) {}

  start(): void {
    this.started = true;
  }

  stop(): void {
    this.started = false;
    for (const detach of [...this.handles]) detach();
  }

  attachJail(handle: { pid: number; events: EventEmitter }, jobId?: string): () => void {
    const onAttempt = (ja: JailAttempt): void => {
      if (!this.started) return;
      // Name the program now: by the time anyone reads the event the process may be gone.
      const program = readStat(ja.pid)?.comm;
      this.sink({ detector: 'seccomp', pid: ja.pid, ...(jobId ? { jobId } : {}), jail: ja, summary: program ? { program } : {} });
    };
    handle.events.on('attempt', onAttempt);
    const detach = (): void => {
      handle.events.off('attempt', onAttempt);
      this.handles.delete(detach);
    };
    this.handles.add(detach);
    return detach;
  }

  status(): SourceStatus {
    if (!this.started) return { active: false, reason: 'not started' };
    if (!this.probe) return { active: false, reason: 'the jail was not given to the monitor (no seccomp probe)' };
    const p = this.probe();
    if (!p.available) return { active: false, notApplicable: true, reason: `seccomp unavailable: ${p.reason}` };
    return { active: true, reason: `seccomp notifications; ${this.handles.size} jailed process(es) attached` };
  }
}
