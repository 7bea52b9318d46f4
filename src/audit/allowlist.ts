// audit-allow.json: reviewed exceptions. Each waiver names ONE package and ONE rule, says why
// in a sentence a reviewer can check, and can be narrowed to files, subjects (e.g. the module
// `http`) or exact versions. No wildcards: a blanket waiver would hide the next finding.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { RULE_IDS } from './rules.js';
import type { ExpiredWaiver, Finding, UnusedWaiver, WaivedFinding } from './types.js';

export class AllowlistError extends Error {
  readonly code = 'AUDIT_ALLOWLIST_INVALID';
  readonly exitCode = 2;
}

/** Reasons that explain nothing; a waiver must say why this use is acceptable here. */
const EMPTY_REASONS = /^(?:ok|okay|fine|needed|required|safe|false positive|n\/a|todo|tbd|wontfix|ignore|allowed|known)\.?$/i;

const waiverSchema = z.object({
  package: z.string().min(1).refine((s) => !s.includes('*'), 'a waiver names one package, no wildcards'),
  rule: z.enum(RULE_IDS as [string, ...string[]]),
  reason: z.string().trim().min(30, 'say why in at least a sentence (30 characters)').refine((s) => !EMPTY_REASONS.test(s), 'the reason must explain why, not just say ok'),
  paths: z.array(z.string().min(1)).min(1).optional(),
  subjects: z.array(z.string().min(1)).min(1).optional(),
  versions: z.array(z.string().min(1)).min(1).optional(),
  /** YYYY-MM-DD: from the day after, the waiver waives nothing and the audit fails until it is re-reviewed. */
  expires: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expires is a date, YYYY-MM-DD').refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), 'expires is not a real date').optional(),
}).strict();

const fileSchema = z.object({
  $comment: z.string().optional(),
  waivers: z.array(waiverSchema),
}).strict();

export type Waiver = z.infer<typeof waiverSchema>;

export function parseAllowlist(text: string, source: string): Waiver[] {
  let json: unknown;
  try { json = JSON.parse(text); } catch (e) { throw new AllowlistError(`${source}: not valid JSON (${(e as Error).message})`); }
  const r = fileSchema.safeParse(json);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new AllowlistError(`${source}: ${issues.join('; ')}`);
  }
  return r.data.waivers;
}

export function loadAllowlist(file: string): Waiver[] {
  let text: string;
  try { text = readFileSync(file, 'utf8'); } catch (e) {
    throw new AllowlistError(`cannot read waiver file ${file}: ${(e as Error).message}`);
  }
  return parseAllowlist(text, file);
}

function pathMatches(file: string | undefined, paths: string[] | undefined): boolean {
  if (!paths) return true;
  if (file === undefined) return false;
  return paths.some((p) => file === p || file.startsWith(p.endsWith('/') ? p : `${p}/`));
}

export function waiverMatches(w: Waiver, f: Finding): boolean {
  return w.package === f.package && w.rule === f.rule
    && (!w.versions || w.versions.includes(f.version))
    && (!w.subjects || (f.subject !== undefined && w.subjects.includes(f.subject)))
    && pathMatches(f.file, w.paths);
}

export interface WaiverOutcome {
  failing: Finding[];
  waived: WaivedFinding[];
  unused: UnusedWaiver[];
  expired: ExpiredWaiver[];
}

/** Expired: the whole expiry day is still valid (UTC). */
export function isExpired(w: Waiver, today: Date): boolean {
  return w.expires !== undefined && Date.parse(`${w.expires}T23:59:59.999Z`) < today.getTime();
}

/**
 * Split error/warning findings into failing and waived; list waivers that matched nothing,
 * telling stale ones (package audited, nothing matched) from out-of-scope ones.
 */
export function applyWaivers(findings: Finding[], waivers: Waiver[], auditedPackages: ReadonlySet<string> = new Set(findings.map((f) => f.package)), today: Date = new Date()): WaiverOutcome {
  const used = new Set<number>();
  const failing: Finding[] = [];
  const waived: WaivedFinding[] = [];
  const expired = waivers.flatMap((w, index) => isExpired(w, today) ? [{ index, package: w.package, rule: w.rule, expires: w.expires as string }] : []);
  const expiredIdx = new Set(expired.map((e) => e.index));
  for (const f of findings) {
    const index = waivers.findIndex((w, i) => !expiredIdx.has(i) && waiverMatches(w, f));
    if (index < 0) { failing.push(f); continue; }
    used.add(index);
    waived.push({ ...f, waiver: { reason: (waivers[index] as Waiver).reason, index } });
  }
  const unused = waivers.flatMap((w, index) => used.has(index) || expiredIdx.has(index) ? []
    : [{ index, package: w.package, rule: w.rule, status: auditedPackages.has(w.package) ? 'stale' as const : 'out-of-scope' as const }]);
  return { failing, waived, unused, expired };
}
