// Source 3: the /proc cross-check of our own process tree (the part not under seccomp in
// standard/strict). Polling misses short-lived sockets, so this is a labelled cross-check,
// never the only detector. The interval varies by ±10 % (SCAN_JITTER).
import { existsSync } from 'node:fs';
import { ProcScanner, readStat, type ScannerOptions, type SocketFinding } from '../proc/index.js';
import { SCAN_JITTER } from '../constants.js';
import type { CycleNotice } from '../types.js';
import type { AttemptSink, MonitorSource, SourceStatus } from './source.js';

export interface ProcScanSourceOptions extends ScannerOptions {
  intervalMs: number;
  /** Called after every cycle (metrics). */
  onCycle?: (c: CycleNotice) => void;
  /** Called when a cycle fails after one succeeded, and when it recovers (the monitor records the change). */
  onHealthChange?: (healthy: boolean, reason: string) => void;
  /** Random in [0, 1); injectable so the jitter is testable. */
  random?: () => number;
}

/** Next delay: interval ± jitter. */
export function jitteredDelay(intervalMs: number, random: () => number = Math.random): number {
  return Math.round(intervalMs * (1 - SCAN_JITTER + 2 * SCAN_JITTER * random()));
}

export class ProcScanSource implements MonitorSource {
  readonly name = 'proc-scan';
  private readonly scanner: ProcScanner;
  private timer: NodeJS.Timeout | null = null;
  /** Findings already reported, by pid:inode — a socket that stays open is one violation, not one per cycle. */
  private readonly reported = new Set<string>();
  private lastError: string | null = null;
  private cycles = 0;

  constructor(private readonly sink: AttemptSink, private readonly opts: ProcScanSourceOptions) {
    this.scanner = new ProcScanner(opts);
  }

  private supported(): { ok: boolean; reason: string; notApplicable?: boolean } {
    const root = this.opts.procRoot ?? '/proc';
    if (process.platform !== 'linux') return { ok: false, notApplicable: true, reason: `no /proc socket tables on ${process.platform}` };
    if (!existsSync(`${root}/${this.opts.rootPid ?? process.pid}/fd`) || !existsSync(`${root}/${this.opts.rootPid ?? process.pid}/net/tcp`)) {
      return { ok: false, reason: `${root} is not readable` };
    }
    return { ok: true, reason: 'ok' };
  }

  start(): void {
    if (this.timer || !this.supported().ok) return;
    const tick = (): void => {
      // A timer callback that throws would be an uncaught exception in the server: a failed
      // cycle (in the scanner, the sink or a listener) degrades this source, loudly, instead.
      try {
        this.scanNow();
      } catch (e) {
        const first = this.lastError === null;
        this.lastError = `cycle failed: ${(e as Error).message}`;
        if (first) { try { this.opts.onHealthChange?.(false, this.lastError); } catch { /* nothing left to tell */ } }
      }
      this.timer = setTimeout(tick, jitteredDelay(this.opts.intervalMs, this.opts.random));
      this.timer.unref();
    };
    this.timer = setTimeout(tick, jitteredDelay(this.opts.intervalMs, this.opts.random));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** One cycle; new violations go to the sink. Null when scanning is not possible here. */
  scanNow(): CycleNotice | null {
    if (!this.supported().ok) return null;
    let result;
    try {
      result = this.scanner.scan();
    } catch (e) {
      const first = this.lastError === null;
      this.lastError = (e as Error).message;
      if (first) this.opts.onHealthChange?.(false, this.lastError);
      return null;
    }
    if (this.lastError !== null) {
      this.lastError = null;
      this.opts.onHealthChange?.(true, 'cycles succeed again');
    }
    this.cycles++;
    const live = new Set<string>();
    for (const f of result.violations) {
      const key = `${f.pid}:${f.inode}`;
      live.add(key);
      if (this.reported.has(key)) continue;
      this.reported.add(key);
      this.sink(findingToAttempt(f));
    }
    for (const k of this.reported) if (!live.has(k)) this.reported.delete(k);
    const notice: CycleNotice = { durationMs: result.durationMs, pids: result.pids.length, sockets: result.sockets, violations: result.violations.length, tablesRead: result.tablesRead };
    this.opts.onCycle?.(notice);
    return notice;
  }

  status(): SourceStatus {
    const s = this.supported();
    if (!s.ok) return { active: false, reason: s.reason, ...(s.notApplicable ? { notApplicable: true } : {}) };
    if (this.lastError) return { active: false, reason: `last cycle failed: ${this.lastError}` };
    if (!this.timer) return { active: false, reason: 'not started' };
    return { active: true, reason: `every ${this.opts.intervalMs} ms ±${SCAN_JITTER * 100}% (cross-check: misses sockets shorter-lived than a cycle); ${this.cycles} cycle(s) so far` };
  }
}

function findingToAttempt(f: SocketFinding): Parameters<AttemptSink>[0] {
  const program = readStat(f.pid)?.comm;
  return {
    detector: 'proc-scan',
    pid: f.pid,
    summary: {
      why: f.why,
      protocol: f.protocol,
      family: f.family,
      ...(f.local ? { local: f.local } : {}),
      ...(f.remote ? { remote: f.remote } : {}),
      ...(f.state ? { state: f.state } : {}),
      fd: f.fd,
      ...(program ? { program } : {}),
    },
  };
}
