// The human report: what fails (grouped by package, rule and subject, with the first
// location and a count), what was waived and why, counts of notes, and the verdict.
import { RULE_IDS, ruleInfo } from '../rules.js';
import type { AuditReport, Finding, WaivedFinding } from '../types.js';

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
  return `${f.packagePath}/${f.file}${f.line !== undefined ? `:${f.line}` : ''}`;
}

function line(g: Group, devPaths: Set<string>): string {
  const f = g.first;
  const more = g.files.size > 1 ? ` (+${g.files.size - 1} more file${g.files.size > 2 ? 's' : ''})` : '';
  const name = `${f.package}@${f.version}${devPaths.has(f.packagePath) ? ' (dev)' : ''}`;
  return `  ${f.level.padEnd(7)} ${name.padEnd(34)} ${f.rule.padEnd(24)} ${f.message}\n          at ${where(f)}${more}`;
}

export function renderTable(report: AuditReport, opts: { verbose?: boolean; allowFile?: string | null } = {}): string {
  const s = report.stats;
  const out: string[] = [];
  const mib = (s.bytes / 1048576).toFixed(1);
  out.push(`hermetic audit — ${report.scope === 'prod' ? 'production' : 'all (production + dev)'} dependencies of ${report.root}`);
  out.push(`${s.packages} packages, ${s.files} JavaScript files (${mib} MiB): ${s.parsed} parsed, ${s.files - s.parsed - s.lexicalOnly - s.parseFailures} without any trigger token, `
    + `${s.lexicalOnly} too large to parse, ${s.parseFailures} unparseable — ${(s.durationMs / 1000).toFixed(1)} s`);
  out.push(report.lockfile === 'checked' ? 'Lockfile: provenance checked (registry host, https, integrity).'
    : 'Lockfile: none (npm-shrinkwrap.json, package-lock.json or node_modules/.package-lock.json, v2+) — where the packages came from was NOT checked.');
  out.push('');

  const failing = group(report.findings);
  if (failing.length) {
    out.push(`NOT WAIVED — ${report.findings.length} finding(s), ${failing.length} distinct, in ${new Set(report.findings.map((f) => f.packagePath)).size} package(s):`);
    const devPaths = new Set(report.packages.filter((p) => p.dev).map((p) => p.relPath));
    for (const g of failing) out.push(line(g, devPaths));
    out.push('');
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
    for (const n of report.notes) counts.set(n.rule, (counts.get(n.rule) ?? 0) + 1);
    out.push(`Notes (information, not failures): ${[...counts].map(([r, n]) => `${r} ${n}`).join(', ')}${opts.verbose ? '' : ' — --verbose lists them'}`);
    if (opts.verbose) {
      for (const g of group(report.notes)) out.push(`  ${g.first.rule.padEnd(24)} ${g.first.package}@${g.first.version}: ${g.first.message} at ${where(g.first)}${g.files.size > 1 ? ` (+${g.files.size - 1} more)` : ''}`);
      out.push('', 'Hosts named in URL literals (where code could point; not findings by themselves):');
      for (const p of report.packages) if (p.urlHosts.length) out.push(`  ${p.name}@${p.version}: ${p.urlHosts.join(', ')}`);
    }
    out.push('');
  }

  const list = (status: string): string => report.unusedWaivers.filter((w) => w.status === status).map((w) => `#${w.index} ${w.package} ${w.rule}`).join('; ');
  const stale = list('stale');
  if (stale) out.push(`STALE waivers (package audited, waiver matched nothing — remove or fix them): ${stale}`, '');
  const outOfScope = list('out-of-scope');
  if (outOfScope && opts.verbose) out.push(`Waivers for packages outside this scope: ${outOfScope}`, '');

  out.push(report.ok
    ? `Result: OK — no unwaived finding (${report.waived.length} waived with reasons).`
    : `Result: FAIL — ${report.findings.length} unwaived finding(s). Review each; remove the dependency or add a specific, reasoned waiver.`);
  return `${out.join('\n')}\n`;
}

/** One line per rule for `hermetic audit --rules`. */
export function renderRules(): string {
  return `${RULE_IDS.map((id) => { const r = ruleInfo(id); return `${r.id.padEnd(30)} ${r.level.padEnd(8)} ${r.help}`; }).join('\n')}\n`;
}
