// The runtime monitor: one stream for every attempt any layer sees. It records each attempt as
// a security event, counts violations per process (pid + start time), terminates violators per
// policy, and reports honestly which sources are watching — so "no attempts" is only ever
// claimed for the time, and the sources, that actually ran.
import { EventEmitter } from 'node:events';
import type { NewSecurityEvent } from '../../events/types.js';
import type { CycleNotice, EventSink, Monitor, MonitorConfig, MonitorState, MonitorStats, NetnsCheck, ObservedAttempt, TerminationNotice, Verdict, WatchedProcess } from './types.js';
import { NETWORK_VIOLATION_CODE } from './types.js';
import { ViolationLedger, processKey, resolveWatched, terminationThreshold } from './policy.js';
import { culpritOf, eventTypeOf, toSecurityEvent } from './event-map.js';
import { gracefulTerminate } from './terminate.js';
import { SEEN_LIMIT } from './constants.js';
import { isSameProcess, readStat } from './proc/index.js';
import type { ScanRules } from './proc/index.js';
import { NetnsCounterSource, ProcScanSource, SeccompSource, TripwireSource, type MonitorSource, type SeccompProbe, type TripwireLike, type TripwireScope } from './sources/index.js';

export interface MonitorOptions {
  config: MonitorConfig;
  store: EventSink;
  /** The in-process tripwire (src/isolation/tripwire): its onAttempt feeds the monitor. */
  tripwire?: TripwireLike | null;
  /** Whether seccomp exists here (from the jail's probe()). */
  seccompProbe?: SeccompProbe | null;
  /** /proc cross-check rules: our listener port(s) and the loopback ports our IPC may reach. */
  scan?: ScanRules;
  /** Same, decided at each cycle (the listen port is known only once the server listens). */
  scanRules?: () => ScanRules;
  /** Root of the process tree to cross-check (default: this process). */
  rootPid?: number;
  procRoot?: string;
  /**
   * Attempts that are ours on purpose (the verifier's self-test makes blocked attempts and holds
   * a loopback canary): not recorded, not counted against anyone; counted in stats().ignored.
   */
  ignore?: (attempt: ObservedAttempt) => boolean;
  /** Logger for store failures (a pino logger fits). */
  logger?: { warn(obj: object, msg?: string): void };
  /**
   * 'process' (default, the server): this process runs third-party code of its own (the HTTP
   * stack, its dependencies), so the in-process tripwire is asked for and its absence is a
   * degradation. 'workers' (the one-shot CLI): this process runs no converter or server code;
   * the tripwire in each worker reports over IPC.
   */
  tripwireScope?: TripwireScope;
  /**
   * Record `monitor_started` / `monitor_stopped` rows (default true: a server's monitor coming
   * and going is worth a line). A one-shot CLI run says false: its start and end are the job's
   * lifecycle, which the jobs table holds — a quiet conversion leaves no security event.
   * Degradations and attempts are recorded either way.
   */
  lifecycleEvents?: boolean;
}

export function createMonitor(opts: MonitorOptions): Monitor {
  return new RuntimeMonitor(opts);
}

class RuntimeMonitor implements Monitor {
  readonly events = new EventEmitter();
  private readonly watched = new Map<number, WatchedProcess>();
  private readonly ledger = new ViolationLedger();
  /** Unregistered processes whose counts are kept until they are gone (see watch()). */
  private readonly retired = new Map<string, { pid: number; startTime: number }>();
  private readonly tripwire: TripwireSource;
  private readonly seccomp: SeccompSource;
  private readonly procScan: ProcScanSource;
  private readonly netns: NetnsCounterSource;
  private readonly sources: MonitorSource[];
  /** Jobs and pids for which some detector saw an attempt (so netns growth is "explained"). */
  private readonly seenJobs = new Set<string>();
  private readonly seenPids = new Set<number>();
  private readonly rootPid: number;
  private since: string | null = null;
  private blockedAttempts = 0;
  private terminations = 0;
  private lastAttempt: MonitorState['lastAttempt'] = null;
  private readonly attemptsByKind: Record<string, number> = {};
  private cycles = 0;
  private cycleSecondsTotal = 0;
  private lastCycleMs: number | null = null;
  private recordFailures = 0;
  private ignored = 0;

  constructor(private readonly opts: MonitorOptions) {
    const sink = (a: ObservedAttempt): void => { this.observe(a); };
    this.rootPid = opts.rootPid ?? process.pid;
    this.tripwire = new TripwireSource(sink, opts.tripwire ?? null, opts.tripwireScope ?? 'process');
    this.seccomp = new SeccompSource(sink, opts.seccompProbe ?? null);
    this.procScan = new ProcScanSource(sink, {
      ...opts.scan,
      ...(opts.scanRules ? { rules: opts.scanRules } : {}),
      intervalMs: opts.config.monitorIntervalMs,
      rootPid: this.rootPid,
      ...(opts.procRoot ? { procRoot: opts.procRoot } : {}),
      // Jailed workers have their own witnesses (seccomp, their namespace's counters).
      prune: (pid) => this.watched.get(pid)?.role === 'worker',
      onCycle: (c) => this.onCycle(c),
      onHealthChange: (healthy, reason) => {
        // "No attempts" must never be claimed for time a source was blind: say so when it happens.
        this.record(healthy
          ? { type: 'monitor_started', severity: 'info', details: { source: 'proc-scan', resumed: true, reason } }
          : { type: 'monitor_degraded', severity: 'warning', details: { source: 'proc-scan', inactive: { 'proc-scan': reason }, active: this.activeSourceNames() } });
      },
    });
    this.netns = new NetnsCounterSource(sink, (pid, jobId) => this.seenPids.has(pid) || (jobId !== undefined && this.seenJobs.has(jobId)), opts.procRoot);
    this.sources = [this.tripwire, this.seccomp, this.procScan, this.netns];
  }

  private record(event: NewSecurityEvent): void {
    try {
      this.opts.store.record(event);
    } catch (e) {
      // The store failing must not take the monitor (or the server) down; count it and say so.
      this.recordFailures++;
      this.opts.logger?.warn({ err: (e as Error).message, type: event.type }, 'monitor could not record a security event');
    }
  }

  private activeSourceNames(): string[] {
    return this.sources.filter((s) => s.status().active).map((s) => s.name);
  }

  private sourceStates(): MonitorState['sources'] {
    const out: MonitorState['sources'] = {};
    for (const s of this.sources) out[s.name] = s.status();
    return out;
  }

  start(): void {
    if (this.since) return;
    for (const s of this.sources) s.start();
    this.since = new Date().toISOString();
    const sources = this.sourceStates();
    if (this.opts.lifecycleEvents !== false) {
      this.record({ type: 'monitor_started', severity: 'info', details: { strictness: this.opts.config.strictness, intervalMs: this.opts.config.monitorIntervalMs, sources } });
    }
    // Degraded means a source that should watch here is down — not one with nothing to watch
    // on this machine (its absence is the verifier's finding, reported there once).
    const inactive = Object.entries(sources).filter(([, s]) => !s.active && !s.notApplicable);
    if (inactive.length > 0) {
      this.record({
        type: 'monitor_degraded',
        severity: 'warning',
        details: { active: Object.entries(sources).filter(([, s]) => s.active).map(([n]) => n), inactive: Object.fromEntries(inactive.map(([n, s]) => [n, s.reason])) },
      });
    }
  }

  stop(): void {
    if (!this.since) return;
    for (const s of this.sources) s.stop();
    if (this.opts.lifecycleEvents !== false) this.record({ type: 'monitor_stopped', severity: 'info', details: { since: this.since, blockedAttempts: this.blockedAttempts, terminations: this.terminations } });
    this.since = null;
  }

  watch(proc: WatchedProcess): () => void {
    this.pruneRetired();
    const key = processKey(proc.pid, proc.startTime);
    this.watched.set(proc.pid, proc);
    // Re-registering the same process (e.g. under its job id after warm-up) keeps its count and
    // its namespace baseline: a process cannot launder its violations by being registered anew.
    const again = this.retired.delete(key);
    if (proc.role === 'worker' && !again) this.netns.baseline(proc.pid);
    return () => {
      if (this.watched.get(proc.pid) === proc) this.watched.delete(proc.pid);
      this.retired.set(key, { pid: proc.pid, startTime: proc.startTime });
    };
  }

  /** Forget counts and baselines of unregistered processes that no longer exist. */
  private pruneRetired(): void {
    for (const [key, p] of this.retired) {
      if (this.watched.get(p.pid)?.startTime === p.startTime) continue;
      if (isSameProcess(p.pid, p.startTime, this.opts.procRoot)) continue;
      this.retired.delete(key);
      this.ledger.forget(key);
      this.netns.forget(p.pid);
    }
  }

  attachChild(child: Parameters<Monitor['attachChild']>[0], jobId?: string): () => void {
    return this.tripwire.attachChild(child, jobId);
  }

  attachJail(handle: Parameters<Monitor['attachJail']>[0], jobId?: string): () => void {
    return this.seccomp.attachJail(handle, jobId);
  }

  checkNetns(pid: number, jobId?: string): NetnsCheck {
    return this.netns.check(pid, jobId);
  }

  scanNow(): CycleNotice | null {
    return this.procScan.scanNow();
  }

  private onCycle(c: CycleNotice): void {
    this.pruneRetired();
    this.cycles++;
    this.cycleSecondsTotal += c.durationMs / 1000;
    this.lastCycleMs = c.durationMs;
    this.events.emit('cycle', c);
  }

  observe(a: ObservedAttempt): Verdict {
    if (this.opts.ignore?.(a)) {
      this.ignored++;
      return { violations: 0, terminated: false };
    }
    this.blockedAttempts++;
    this.remember(a);
    const type = eventTypeOf(a);
    const kindKey = `${type}|${a.detector}`;
    this.attemptsByKind[kindKey] = (this.attemptsByKind[kindKey] ?? 0) + 1;
    const culprit = culpritOf(a);
    this.lastAttempt = { ts: new Date().toISOString(), detector: a.detector, summary: `${type} by ${culprit}` };

    const { verdict, terminate } = this.decide(a, culprit);
    // The attempt's row first, then (if this was the last straw) the termination's.
    this.record(toSecurityEvent(a, verdict));
    this.events.emit('attempt', a, verdict);
    terminate?.();
    return verdict;
  }

  /** Remember that a detector saw something for this pid/job (bounded: oldest forgotten first). */
  private remember(a: ObservedAttempt): void {
    for (const [set, v] of [[this.seenPids, a.pid], [this.seenJobs, a.jobId]] as [Set<unknown>, unknown][]) {
      if (v === undefined) continue;
      set.delete(v);
      set.add(v);
      if (set.size > SEEN_LIMIT) set.delete(set.values().next().value);
    }
  }

  /** Count the violation against the process it belongs to, and terminate when the threshold is reached. */
  private decide(a: ObservedAttempt, culprit: string): { verdict: Verdict; terminate?: () => void } {
    const r = resolveWatched(this.watched, a.pid, a.jobId, this.opts.procRoot);
    let target: WatchedProcess | null = r.proc;
    let role: TerminationNotice['role'];
    if (target) {
      role = target.role;
    } else if (a.pid === this.rootPid || a.pid === process.pid) {
      role = 'server';
    } else if (a.detector === 'proc-scan') {
      // A process of our own tree that nobody registered (e.g. a program a dependency started):
      // it is ours to stop, identified by its current start time.
      const st = readStat(a.pid, this.opts.procRoot);
      if (!st) return { verdict: { violations: 0, terminated: false } };
      role = 'child';
      target = { pid: a.pid, startTime: st.startTime, role: 'worker', terminate: () => { void gracefulTerminate({ pid: a.pid, startTime: st.startTime, ...(this.opts.procRoot ? { procRoot: this.opts.procRoot } : {}) }, this.opts.config.killGraceMs); } };
    } else {
      // Not attributable to a live registered process (e.g. its pid was reused): record only.
      return { verdict: { violations: 0, terminated: false } };
    }
    const startTime = target?.startTime ?? readStat(a.pid, this.opts.procRoot)?.startTime ?? 0;
    const key = processKey(target?.pid ?? a.pid, startTime);
    const violations = this.ledger.add(key);
    // The server itself is never killed by its own monitor: that would take the UI down and hide
    // the evidence. Its violations are recorded (a server-side hole is critical) and shown.
    if (role === 'server' || !target) return { verdict: { violations, terminated: false } };
    if (this.ledger.isTerminated(key)) return { verdict: { violations, terminated: true } };
    const threshold = terminationThreshold(this.opts.config.strictness, this.opts.config.violationThreshold);
    if (violations < threshold) return { verdict: { violations, terminated: false } };
    this.ledger.markTerminated(key);
    const victim = target;
    return { verdict: { violations, terminated: true }, terminate: () => this.terminate(victim, role, a, culprit, violations, threshold) };
  }

  private terminate(target: WatchedProcess, role: TerminationNotice['role'], a: ObservedAttempt, culprit: string, violations: number, threshold: number): void {
    const reason = `${NETWORK_VIOLATION_CODE}: ${culprit} made ${violations} network attempt(s) (threshold ${threshold}, ${this.opts.config.strictness})`;
    try {
      target.terminate(reason);
    } catch (e) {
      this.opts.logger?.warn({ err: (e as Error).message, pid: target.pid }, 'terminate failed');
    }
    this.terminations++;
    const jobId = target.jobId ?? a.jobId;
    const notice: TerminationNotice = { pid: target.pid, startTime: target.startTime, ...(jobId ? { jobId } : {}), role, code: NETWORK_VIOLATION_CODE, culprit, violations, reason };
    this.record({
      type: 'process_terminated',
      severity: 'warning',
      details: { pid: notice.pid, ...(jobId ? { jobId } : {}), role, code: notice.code, culprit, violations, threshold, detector: a.detector, graceMs: this.opts.config.killGraceMs },
    });
    this.events.emit('terminated', notice);
  }

  state(): MonitorState {
    return {
      active: this.since !== null,
      since: this.since,
      sources: this.sourceStates(),
      blockedAttempts: this.blockedAttempts,
      lastAttempt: this.lastAttempt,
      terminations: this.terminations,
    };
  }

  stats(): MonitorStats {
    return {
      cycles: this.cycles,
      cycleSecondsTotal: this.cycleSecondsTotal,
      lastCycleMs: this.lastCycleMs,
      attempts: { ...this.attemptsByKind },
      terminations: this.terminations,
      watched: this.watched.size,
      recordFailures: this.recordFailures,
      ignored: this.ignored,
    };
  }
}
