// The isolation service the server holds: runs verification at start-up, on demand and
// periodically; keeps the last report in memory; records each outcome as a security event;
// answers the indicator (summary) and the convert route (canConvert).
import type { Config } from '../../config/index.js';
import type { NewSecurityEvent } from '../../events/types.js';
import type { MonitorState } from '../monitor/types.js';
import type { LayerName } from '../jail/types.js';
import { loadDefaultDeps, type VerifyDeps } from './deps.js';
import { runVerification } from './run.js';
import { countsFromMonitor, summarize, type AttemptCounts, type IsolationSummary } from './summary.js';
import { convertDecision, type ConvertDecision } from './verdict.js';
import type { VerificationReport } from './types.js';
import type { Check } from './check.js';

/** Where outcomes are recorded (the events store, or anything with the same method). */
export interface EventSink {
  record(event: NewSecurityEvent): unknown;
}

export interface IsolationServiceOptions {
  config: Pick<Config, 'strictness' | 'verifyIntervalMs' | 'verifyPolicy'>;
  role?: 'server' | 'cli';
  /** Default: the real jail/tripwire/firewall modules, loaded on first use. */
  deps?: VerifyDeps;
  events?: EventSink | null;
  monitor?: (() => MonitorState | null) | null;
  /** Blocked-attempt counts; default: the monitor's. The server may pass the events store's. */
  attempts?: (() => AttemptCounts) | null;
  /** The server's listening addresses (getsockname), for server.bind and the in-jail probes. */
  serverAddresses?: (() => { address: string; port: number }[]) | null;
  env?: NodeJS.ProcessEnv;
  procRoot?: string;
  etcRoot?: string;
  /** Per-check budget. */
  timeoutMs?: number;
  /** Jail fault injection (tests, `hermetic verify --fault`). */
  jailFault?: LayerName[];
}

export class IsolationService {
  private last: VerificationReport | null = null;
  private running: Promise<VerificationReport> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private count = 0;
  private deps: VerifyDeps | null;

  constructor(private readonly opts: IsolationServiceOptions) {
    this.deps = opts.deps ?? null;
  }

  get strictness() {
    return this.opts.config.strictness;
  }

  /** The last full report (GET /api/security/network-status), or null before the first run. */
  report(): VerificationReport | null {
    return this.last;
  }

  /** The isolation block of /api/health and /api/system/info. */
  summary(): IsolationSummary {
    const monitor = this.opts.monitor?.() ?? null;
    return summarize(this.last, this.strictness, monitor, this.opts.attempts?.() ?? countsFromMonitor(monitor));
  }

  /** May a conversion run now? strict/paranoid need a kernel-enforced, satisfied verdict. */
  canConvert(): ConvertDecision {
    return convertDecision(this.last?.verdict ?? null, this.strictness);
  }

  /**
   * Run every check now (or only `checks`: the paranoid launcher measures just the canary).
   * Concurrent callers share one run (the canary is not free).
   */
  verify(trigger: VerificationReport['trigger'] = 'on-demand', checks?: readonly Check[]): Promise<VerificationReport> {
    if (!this.running) {
      this.running = this.runOnce(trigger, checks).finally(() => { this.running = null; });
    }
    return this.running;
  }

  /** For GET /api/metrics (duck-typed there). */
  stats(): { lastVerificationMs: number | null; verifications: number } {
    return { lastVerificationMs: this.last?.durationMs ?? null, verifications: this.count };
  }

  /**
   * Re-verify every config.verifyIntervalMs (0 disables); the timer does not keep the process
   * alive. A run that throws is a failed verification (an event), never an exit: this runs in
   * the background of a server that is serving requests.
   */
  startPeriodic(): void {
    const every = this.opts.config.verifyIntervalMs;
    if (!every || this.timer) return;
    this.timer = setInterval(() => { void this.periodicOnce(); }, every);
    this.timer.unref();
  }

  /** One periodic run with its failure turned into a `verification_failed` event. */
  async periodicOnce(): Promise<VerificationReport | null> {
    try {
      return await this.verify('periodic');
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      this.emit({
        type: 'verification_failed',
        severity: this.strictness === 'standard' ? 'warning' : 'critical',
        details: { trigger: 'periodic', strictness: this.strictness, error: `${err.code ? `${err.code}: ` : ''}${String(err.message ?? err).split('\n')[0]}` },
      });
      return null;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async runOnce(trigger: VerificationReport['trigger'], checks?: readonly Check[]): Promise<VerificationReport> {
    this.deps ??= await loadDefaultDeps();
    const addresses = this.opts.serverAddresses?.() ?? [];
    const report = await runVerification({
      strictness: this.strictness,
      role: this.opts.role ?? 'server',
      env: this.opts.env ?? process.env,
      procRoot: this.opts.procRoot ?? '/proc',
      etcRoot: this.opts.etcRoot ?? '/etc',
      deps: this.deps,
      serverAddresses: addresses,
      serverPort: addresses[0]?.port,
      timeoutMs: this.opts.timeoutMs ?? 10_000,
      ...(this.opts.jailFault?.length ? { jailFault: this.opts.jailFault } : {}),
      policy: this.opts.config.verifyPolicy[this.strictness],
      trigger,
      ...(checks ? { checks } : {}),
    });
    this.count++;
    const previous = this.last;
    this.last = report;
    this.record(report, previous);
    return report;
  }

  private emit(event: NewSecurityEvent): void {
    try {
      this.opts.events?.record(event);
    } catch {
      // The store being unavailable must not take verification down; the report is still in memory.
    }
  }

  /**
   * A run is recorded as failed when its verdict is not satisfied, or when it is a regression:
   * a check that passed last time fails now (e.g. the jail canary died mid-run). Users must
   * learn that a layer stopped being proven while the server runs, even when the strictness
   * still allows serving.
   */
  private record(r: VerificationReport, previous: VerificationReport | null): void {
    const v = r.verdict;
    const passedBefore = new Set(previous?.checks.filter((c) => c.status === 'pass').map((c) => c.id) ?? []);
    const regressed = r.checks.filter((c) => c.status === 'fail' && passedBefore.has(c.id));
    const details = {
      trigger: r.trigger,
      level: v.level,
      strictness: v.strictness,
      satisfied: v.satisfied,
      kernelLayers: v.kernelLayers,
      reasons: v.reasons,
      checks: Object.fromEntries(r.checks.map((c) => [c.id, c.status])),
      ...(regressed.length ? { regressed: Object.fromEntries(regressed.map((c) => [c.id, c.detail.slice(0, 300)])) } : {}),
      durationMs: r.durationMs,
    };
    const failed = !v.satisfied || regressed.length > 0;
    this.emit(failed
      ? { type: 'verification_failed', severity: !v.satisfied && v.strictness !== 'standard' ? 'critical' : 'warning', details }
      : { type: 'verification_completed', severity: 'info', details });
  }
}
