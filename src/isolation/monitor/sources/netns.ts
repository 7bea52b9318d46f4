// Source 4: namespace counters. A jailed worker's network namespace has its own
// /proc/<pid>/net/snmp; a baseline is taken when the worker is registered and the counters
// are read again at job end. Growth of any attempt counter means something in the job tried
// to send — even a native program that no hook could see.
import { attemptDelta, netnsOf, readNetnsCounters, readStat, type SnmpCounters } from '../proc/index.js';
import type { NetnsCheck } from '../types.js';
import type { AttemptSink, MonitorSource, SourceStatus } from './source.js';

interface Baseline {
  netns: number | null;
  counters: SnmpCounters | null;
}

export class NetnsCounterSource implements MonitorSource {
  readonly name = 'netns-counters';
  private readonly baselines = new Map<number, Baseline>();
  private readonly ownNetns = netnsOf(process.pid);
  private started = false;
  private checks = 0;

  /** `explained(pid, jobId)` says whether another detector already saw an attempt for it. */
  constructor(private readonly sink: AttemptSink, private readonly explained: (pid: number, jobId?: string) => boolean, private readonly procRoot = '/proc') {}

  start(): void {
    this.started = true;
  }

  stop(): void {
    this.started = false;
    this.baselines.clear();
  }

  /** Remember the counters of the namespace `pid` is in now (call at registration). */
  baseline(pid: number): void {
    const netns = netnsOf(pid, this.procRoot);
    // Still in our namespace (the jail has not unshared yet): a fresh namespace starts at zero.
    const counters = netns !== null && netns !== this.ownNetns ? readNetnsCounters(pid, this.procRoot) : null;
    this.baselines.set(pid, { netns, counters });
  }

  forget(pid: number): void {
    this.baselines.delete(pid);
  }

  /** Compare the worker's namespace counters with the baseline; report growth. */
  check(pid: number, jobId?: string): NetnsCheck {
    if (!this.started) return { checked: false, reason: 'monitor not started', delta: {} };
    const netns = netnsOf(pid, this.procRoot);
    if (netns === null) return { checked: false, reason: `process ${pid} is gone (read the counters before the worker exits)`, delta: {} };
    if (netns === this.ownNetns) return { checked: false, reason: `process ${pid} shares the server's network namespace: its counters are host-wide`, delta: {} };
    const after = readNetnsCounters(pid, this.procRoot);
    if (!after) return { checked: false, reason: `counters of process ${pid} are not readable`, delta: {} };
    const base = this.baselines.get(pid);
    const before = base && base.netns === netns ? base.counters : null;
    const delta = attemptDelta(before, after);
    this.checks++;
    if (Object.keys(delta).length > 0) {
      const program = readStat(pid, this.procRoot)?.comm;
      this.sink({
        detector: 'netns-counters',
        pid,
        ...(jobId ? { jobId } : {}),
        summary: { counters: delta, unexplained: !this.explained(pid, jobId), ...(program ? { worker: program } : {}) },
      });
    }
    return { checked: true, reason: before ? 'compared with the baseline taken at registration' : 'compared with zero (fresh namespace)', delta };
  }

  status(): SourceStatus {
    if (!this.started) return { active: false, reason: 'not started' };
    if (process.platform !== 'linux') return { active: false, notApplicable: true, reason: `no per-namespace counters on ${process.platform}` };
    if (!readNetnsCounters(process.pid, this.procRoot)) return { active: false, reason: `${this.procRoot}/<pid>/net/snmp is not readable` };
    return { active: true, reason: `read at job end; ${this.checks} check(s) so far` };
  }
}
