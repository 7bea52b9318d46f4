// The human report: what fails (grouped by package, rule and subject, with the first
// location and a count), what was waived and why, counts of notes, and the verdict.
import { RULE_IDS, ruleInfo } from '../rules.js';
import { severityRank } from '../severity.js';
import type { AuditReport, Finding, PackageSummary, WaivedFinding } from '../types.js';

interface Group { first: Finding; count: number; files: Set<string> }

function group(findings: Finding[]): Group[] {
  const map = new Map<string, Group>();
  for (const f of findings) {
    const key = `${f.packagePath}\0${f.rule}\0${f.subject ?? ''}`;
    const g = map.get(key);
    if (g) { g.count++; if (f.file) g.files.add(f.file); } else map.set(key, { first: f, count: 1, files: new Set(f.file ? [f.file] : []) });
  }
  return [...map.values()].sort((a, b) => a.first.package.localeCompare(b.first.package) || a.first.rule.localeCompare(b.first.rule));
}

function where(f: Finding): string {
  if (!f.file) return `${f.packagePath}/package.json`;
  return `${f.packagePath}/${f.file}${f.line !== undefined ? `:${f.line}${f.column !== undefined ? `:${f.column}` : ''}` : ''}`;
}

/** Findings grouped by package, the package with the worst finding first, worst findings first within. */
function byPackage(findings: Finding[], packages: PackageSummary[]): string[] {
  const info = new Map(packages.map((p) => [p.relPath, p]));
  const groups = new Map<string, Finding[]>();
  for (const f of findings) groups.set(f.packagePath, [...(groups.get(f.packagePath) ?? []), f]);
  const worst = (list: Finding[]): number => Math.max(...list.map((f) => severityRank(f.severity)));
  const out: string[] = [];
  for (const [path, list] of [...groups].sort((a, b) => worst(b[1]) - worst(a[1]) || b[1].length - a[1].length || a[0].localeCompare(b[0]))) {
    const f0 = list[0] as Finding;
    const p = info.get(path);
    const chain = p && p.chain.length > 1 ? ` — pulled in by ${p.chain.slice(0, -1).join(' > ')}` : '';
    out.push(`  ${f0.package}@${f0.version} (${f0.dev ? 'dev' : 'prod'}${p ? `, ${p.reachableFiles}/${p.files} files reachable` : ''})${chain}`);
    for (const g of group(list).sort((a, b) => severityRank(b.first.severity) - severityRank(a.first.severity))) {
      const f = g.first;
      const more = g.files.size > 1 ? ` (+${g.files.size - 1} more file${g.files.size > 2 ? 's' : ''})` : '';
      out.push(`    ${f.severity.toUpperCase().padEnd(8)} ${f.rule.padEnd(22)} ${f.message}${f.file ? (f.reachable ? ' [reachable]' : ' [unreachable]') : ''}`);
      out.push(`             at ${where(f)}${more}`);
      if (f.snippet) out.push(`             | ${f.snippet}`);
    }
  }
  return out;
}

export function renderTable(report: AuditReport, opts: { verbose?: boolean; allowFile?: string | null } = {}): string {
  const s = report.stats;
  const out: string[] = [];
  const mib = (s.bytes / 1048576).toFixed(1);
  out.push(`hermetic audit — ${report.scope === 'prod' ? 'production' : 'all (production + dev)'} dependencies of ${report.root}`);
  out.push(`${s.packages} packages, ${s.files} JavaScript files (${mib} MiB): ${s.parsed} parsed, ${s.files - s.parsed - s.lexicalOnly - s.parseFailures - s.unreachableLexical} reachable without any trigger token, `
    + `${s.unreachableLexical} unreachable (lexical rules only), ${s.lexicalOnly} too large to parse, ${s.parseFailures} unparseable — ${(s.durationMs / 1000).toFixed(1)} s`);
  out.push(report.lockfile === 'checked' ? 'Lockfile: provenance checked (registry host, https, integrity).'
    : 'Lockfile: none (npm-shrinkwrap.json, package-lock.json or node_modules/.package-lock.json, v2+) — where the packages came from was NOT checked.');
  out.push('');

  const r = report.reachability;
  out.push(r.mode === 'entries'
    ? `Reachability: ${r.reachableFiles} files reachable from ${r.entries.join(', ')}${r.computedLoads.length ? ` (${r.computedLoads.length} computed load(s) made their folders count as reachable)` : ''}.`
    : 'Reachability: UNKNOWN — no entry point (package.json bin/main/exports or --entry): every file counts as reachable.');
  out.push('');
  if (report.findings.length) {
    out.push(`NOT WAIVED at or above ${report.failOn} — ${report.findings.length} finding(s) in ${new Set(report.findings.map((f) => f.packagePath)).size} package(s), worst first:`);
    out.push(...byPackage(report.findings, report.packages));
    out.push('');
  }
  if (report.expiredWaivers.length) {
    out.push(`EXPIRED waivers (they waive nothing; re-review and renew or remove them): ${report.expiredWaivers.map((w) => `#${w.index} ${w.package} ${w.rule} (expired ${w.expires})`).join('; ')}`, '');
  }

  if (report.waived.length) {
    out.push(`Waived — ${report.waived.length} finding(s) in ${new Set(report.waived.map((f) => f.packagePath)).size} package(s), reasons from ${opts.allowFile ?? 'the waiver file'}:`);
    const byWaiver = new Map<string, WaivedFinding[]>();
    for (const f of report.waived) {
      const key = `${f.waiver.index}\0${f.packagePath}`;
      byWaiver.set(key, [...(byWaiver.get(key) ?? []), f]);
    }
    const lists = [...byWaiver.values()].sort((a, b) => (a[0] as WaivedFinding).package.localeCompare((b[0] as WaivedFinding).package) || (a[0] as WaivedFinding).rule.localeCompare((b[0] as WaivedFinding).rule));
    for (const list of lists) {
      const f = list[0] as WaivedFinding;
      out.push(`  ${`${f.package}@${f.version}`.padEnd(34)} ${f.rule.padEnd(24)} ${list.length} finding(s)`);
      out.push(`          why: ${f.waiver.reason}`);
      if (opts.verbose) for (const g of group(list)) out.push(`          - ${g.first.message} at ${where(g.first)}${g.files.size > 1 ? ` (+${g.files.size - 1} more)` : ''}`);
    }
    out.push('');
  }

  if (report.notes.length) {
    const counts = new Map<string, number>();
    for (const n of report.notes) counts.set(n.severity, (counts.get(n.severity) ?? 0) + 1);
    out.push(`Below ${report.failOn} (listed, not failures): ${[...counts].map(([r, n]) => `${r} ${n}`).join(', ')}${opts.verbose ? '' : ' — --verbose lists them'}`);
    if (opts.verbose) {
      out.push(...byPackage(report.notes, report.packages));
      out.push('', 'Hosts named in URL literals (where code could point; not findings by themselves):');
      for (const p of report.packages) if (p.urlHosts.length) out.push(`  ${p.name}@${p.version}: ${p.urlHosts.join(', ')}`);
    }
    out.push('');
  }

  if (report.systemTools) {
    out.push('System tools (programs the office/system converters run, only inside the jail; not npm packages, not scanned):');
    for (const t of report.systemTools) {
      out.push(`  ${t.name.padEnd(14)} ${t.available ? (t.version ?? 'version unknown').padEnd(28) : 'NOT AVAILABLE'.padEnd(28)} ${t.available ? t.path ?? '' : t.reason}`);
      out.push(`  ${''.padEnd(14)} apt: ${t.apt.join(' ')}`);
    }
    out.push('');
  }

  const list = (status: string): string => report.unusedWaivers.filter((w) => w.status === status).map((w) => `#${w.index} ${w.package} ${w.rule}`).join('; ');
  const stale = list('stale');
  if (stale) out.push(`STALE waivers (package audited, waiver matched nothing — remove or fix them): ${stale}`, '');
  const outOfScope = list('out-of-scope');
  if (outOfScope && opts.verbose) out.push(`Waivers for packages outside this scope: ${outOfScope}`, '');

  out.push(report.ok
    ? `Result: OK — no unwaived finding at or above ${report.failOn} (${report.waived.length} waived with reasons).`
    : `Result: FAIL — ${report.findings.length} unwaived finding(s) at or above ${report.failOn}${report.expiredWaivers.length ? `, ${report.expiredWaivers.length} expired waiver(s)` : ''}. Review each; remove the dependency or add a specific, reasoned waiver.`);
  return `${out.join('\n')}\n`;
}

/** One line per rule for `hermetic audit --rules`. */
export function renderRules(): string {
  return `${RULE_IDS.map((id) => { const r = ruleInfo(id); return `${r.id.padEnd(30)} ${r.level.padEnd(8)} ${r.help}`; }).join('\n')}\n`;
}
