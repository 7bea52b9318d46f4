// The one line `hermetic status` prints (and the words the UI indicator uses). The verify
// module refines the isolation wording by extending describeIsolation().
import type { IsolationSummary } from './context.js';
import { statusLine } from '../isolation/verify/index.js';

export interface StatusSnapshot {
  running: boolean;
  /** The server answered /api/health. False with `running: true` means it did not answer. */
  healthy: boolean;
  url: string | null;
  pid: number | null;
  version: string | null;
  exposure: 'loopback' | 'non-loopback' | null;
  isolation: IsolationSummary | null;
  blockedAttempts: number;
  lastAttempt: { ts: string; type: string; summary: string } | null;
  dataDir: string;
  error?: string;
}

/** "isolated (kernel-enforced)", "tripwire only (not kernel-enforced)", "isolation NOT verified". */
export function describeIsolation(iso: IsolationSummary): string {
  if (!iso.verified) return 'isolation NOT verified';
  switch (iso.level) {
    case 'kernel-enforced': return 'isolated (kernel-enforced)';
    case 'runtime-only': return 'in-process guard only (not kernel-enforced)';
    default: return 'isolation NOT verified';
  }
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function formatStatusLine(s: StatusSnapshot, opts: { colour?: boolean } = {}): string {
  const attempts = plural(s.blockedAttempts, 'blocked attempt', 'blocked attempts');
  if (!s.running) {
    const last = s.lastAttempt ? ` (last ${s.lastAttempt.ts}: ${s.lastAttempt.summary})` : '';
    return `Hermetic: not running · ${attempts} recorded${last}`;
  }
  if (!s.healthy) return `Hermetic: not responding (pid ${s.pid ?? '?'} at ${s.url ?? '?'}${s.error ? `: ${s.error}` : ''}) · ${attempts} recorded`;
  // The verify module's line (issue 6): "● Offline — network blocked by the kernel (…) · 0 attempts".
  const parts = s.isolation ? [statusLine({ reasons: [], reason: '', ...s.isolation }, opts)] : ['Hermetic: isolation NOT verified', attempts];
  if (s.exposure === 'non-loopback') parts.push('WARNING: serving on a NON-loopback address');
  if (s.url) parts.push(s.url);
  return parts.join(' · ');
}
