// The indicator: the same facts everywhere — the `isolation` block of GET /api/health and
// /api/system/info, and the one-line `hermetic status`.
import type { Strictness } from '../../config/index.js';
import type { MonitorState } from '../monitor/types.js';
import type { IsolationLevel, LayerSummary, VerificationReport } from './types.js';

/** The last blocked attempt as the indicator shows it (same shape as the server's health block). */
export interface LastAttempt { ts: string; type: string; summary: string }

/** Blocked-attempt counts, from the monitor or the events store (the server decides which). */
export interface AttemptCounts { blockedAttempts: number; lastAttempt: LastAttempt | null }

/** Structurally the server's IsolationSummary (src/server/context.ts), plus every reason. */
export interface IsolationSummary {
  level: IsolationLevel;
  /** A verification completed and its verdict satisfied the strictness policy. */
  verified: boolean;
  verifiedAt: string | null;
  strictness: Strictness;
  layers: LayerSummary[];
  /** Why the level is what it is (one short sentence). */
  reason: string;
  /** Why not verified (empty when verified). */
  reasons: string[];
  blockedAttempts: number;
  lastAttempt: LastAttempt | null;
  monitor: { active: boolean; since: string | null };
}

/** The monitor's counts in the indicator's shape. */
export function countsFromMonitor(m: MonitorState | null): AttemptCounts {
  const a = m?.lastAttempt;
  return { blockedAttempts: m?.blockedAttempts ?? 0, lastAttempt: a ? { ts: a.ts, type: a.detector, summary: a.summary } : null };
}

function explain(report: VerificationReport | null): string {
  if (!report) return 'verification has not run yet';
  const v = report.verdict;
  if (v.level === 'kernel-enforced') return `a jailed canary was stopped by ${v.kernelLayers.join(' + ')}`;
  const canary = report.checks.find((c) => c.id === 'jail.canary');
  if (v.level === 'runtime-only') return `only the in-process tripwire is in force${canary ? `: ${canary.detail}` : ''}`;
  const st = report.checks.find((c) => c.id === 'tripwire.selftest');
  return `not even the tripwire was shown to work${st ? `: ${st.detail}` : ''}`;
}

export function summarize(report: VerificationReport | null, strictness: Strictness, monitor: MonitorState | null, counts: AttemptCounts = countsFromMonitor(monitor)): IsolationSummary {
  return {
    level: report?.verdict.level ?? 'unverified',
    verified: report?.verdict.satisfied ?? false,
    verifiedAt: report?.verifiedAt ?? null,
    strictness,
    layers: report?.layers ?? [],
    reason: explain(report),
    reasons: report ? report.verdict.reasons : ['verification has not run yet'],
    blockedAttempts: counts.blockedAttempts,
    lastAttempt: counts.lastAttempt,
    monitor: { active: monitor?.active ?? false, since: monitor?.since ?? null },
  };
}

const LAYER_LABEL: Record<string, string> = { namespace: 'namespace', seccomp: 'seccomp', landlock: 'Landlock', mountns: 'mount namespace', 'node-permission': 'Node permissions' };
const KERNEL = ['namespace', 'seccomp', 'landlock'];

const COLOURS = { green: '\x1b[32m', yellow: '\x1b[33m', red: '\x1b[31m', dim: '\x1b[2m', reset: '\x1b[0m' } as const;

function attempts(n: number): string {
  return `${n} attempt${n === 1 ? '' : 's'}`;
}

/**
 * One line a person understands at a glance, e.g.
 *   ● Offline — network blocked by the kernel (namespace + seccomp + Landlock) · 0 attempts
 *   ▲ Runtime guard only — kernel layers unavailable: user namespaces disabled by AppArmor · 0 attempts
 * `colour` only on a TTY; piped output stays plain.
 */
export function statusLine(s: IsolationSummary, opts: { colour?: boolean } = {}): string {
  const paint = (c: keyof typeof COLOURS, t: string) => (opts.colour ? `${COLOURS[c]}${t}${COLOURS.reset}` : t);
  const tail = ` · ${attempts(s.blockedAttempts)}${s.strictness !== 'standard' ? ` · ${s.strictness}` : ''}`;
  if (s.level === 'kernel-enforced') {
    const inForce = s.layers.filter((l) => l.inForce && KERNEL.includes(l.name)).map((l) => LAYER_LABEL[l.name] ?? l.name);
    const head = paint('green', '● Offline');
    const unmet = s.verified ? '' : ` — but ${s.strictness} is not satisfied: ${s.reasons[0] ?? ''}`;
    return `${head} — network blocked by the kernel (${inForce.join(' + ') || 'kernel layers'})${unmet}${tail}`;
  }
  if (s.level === 'runtime-only') {
    const missing = s.layers.filter((l) => KERNEL.includes(l.name) && !l.inForce).map((l) => l.reason);
    const why = missing[0] ?? s.reasons[0] ?? 'the jailed canary was not stopped by the kernel';
    const refusing = s.strictness === 'standard' ? '' : ` — conversions refused (${s.strictness})`;
    return `${paint('yellow', '▲ Runtime guard only')} — kernel layers unavailable: ${why}${refusing}${tail}`;
  }
  const why = s.verifiedAt ? (s.reasons[0] ?? 'the tripwire self-test did not pass') : 'verification has not run yet';
  return `${paint('red', '✖ Unverified')} — ${why}${tail}`;
}

/** A readable table of a full report (for `hermetic verify`). */
export function reportTable(r: VerificationReport, opts: { colour?: boolean } = {}): string {
  const mark: Record<string, [keyof typeof COLOURS, string]> = { pass: ['green', 'PASS'], warn: ['yellow', 'WARN'], fail: ['red', 'FAIL'], skip: ['dim', 'SKIP'] };
  const paint = (c: keyof typeof COLOURS, t: string) => (opts.colour ? `${COLOURS[c]}${t}${COLOURS.reset}` : t);
  const idWidth = Math.max(...r.checks.map((c) => c.id.length), 5);
  const lines = r.checks.map((c) => {
    const [colour, word] = mark[c.status] ?? ['dim', c.status.toUpperCase()];
    return `${paint(colour, word)}  ${c.id.padEnd(idWidth)}  ${String(c.ms).padStart(5)} ms  ${c.detail}${c.informational ? ' (informational)' : ''}`;
  });
  const v = r.verdict;
  const verdict = `level: ${v.level}${v.kernelLayers.length ? ` (${v.kernelLayers.join(' + ')})` : ''} · strictness ${v.strictness}: ${v.satisfied ? paint('green', 'satisfied') : paint('red', 'NOT satisfied')}`;
  return [...lines, '', verdict, ...v.reasons.map((x) => `  - ${x}`), `verified at ${r.verifiedAt} in ${r.durationMs} ms`].join('\n');
}
