// One audit run: build the dependency graph, work out which files our own code can reach,
// check every package's manifest and files, scan its code (in this thread or in worker
// threads), grade every finding by issue 8's severity policy, apply the reviewed waivers, and
// return the report every output format is made from. Only reads files: no network, no child
// processes, no install scripts.
import { readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { version as hermeticVersion } from '../version.js';
import { applyWaivers, loadAllowlist, type Waiver } from './allowlist.js';
import { listPackageFiles } from './files.js';
import { checkLockfile } from './lockfile.js';
import { checkManifest, nativeBinaryFindings } from './manifest-checks.js';
import { clearResolveCache, computeReachability, defaultEntries, explicitEntries } from './reach/index.js';
import { ruleInfo } from './rules.js';
import { hostFindings, type RawFinding } from './scan/index.js';
import { scanPackage, type PackageScanResult, type PackageScanTask } from './scan/package.js';
import { scanPackages } from './scan/pool.js';
import { levelOf, severityOf, severityRank } from './severity.js';
import { buildGraph, type DependencyGraph } from './tree.js';
import { REPORT_SCHEMA_VERSION, type AuditOptions, type AuditReport, type Finding, type PackageNode, type PackageSummary, type ReachabilitySummary, type ScanStats } from './types.js';

export const DEFAULT_MAX_PARSE_BYTES = 8 * 1024 * 1024;
const MAX_HOSTS_PER_PACKAGE = 40;

function attach(pkg: PackageNode, file: string, raw: RawFinding, reachable: boolean): Finding {
  const times = raw.count && raw.count > 1 ? ` (${raw.count}× in this file)` : '';
  return {
    rule: raw.rule, level: ruleInfo(raw.rule).level, severity: 'info', reachable, dev: pkg.dev,
    package: pkg.name, version: pkg.version, packagePath: pkg.relPath,
    file, ...(raw.line !== undefined ? { line: raw.line } : {}), ...(raw.column !== undefined ? { column: raw.column } : {}),
    ...(raw.snippet !== undefined ? { snippet: raw.snippet } : {}),
    message: raw.message + times, ...(raw.subject !== undefined ? { subject: raw.subject } : {}),
  };
}

/** Severity and SARIF level from the policy (severity.ts). */
function grade(f: Finding): Finding {
  const severity = severityOf(f.rule, { dev: f.dev, reachable: f.reachable, direct: f.packagePath === '.' });
  return { ...f, severity, level: levelOf(severity) };
}

/** Known hosts named in a package's top-level documentation (README.md …): information only. */
function docHosts(pkg: PackageNode, doc: string): Finding[] {
  let text: string;
  try { text = readFileSync(join(pkg.dir, doc), 'utf8'); } catch { return []; }
  return hostFindings(text).filter((r) => r.rule === 'hardcoded-host' || r.rule === 'host-in-comment').map((r) => ({
    ...attach(pkg, doc, { ...r, rule: 'host-in-comment', message: `${r.message.replace(/^hard-coded /, '').replace(/ named outside a string literal \(comment or prose\)$/, '')} named in documentation` }, false),
  }));
}

interface Prepared {
  started: number;
  graph: DependencyGraph;
  waivers: Waiver[];
  packageFindings: Finding[];
  lockfile: 'checked' | 'absent';
  tasks: PackageScanTask[];
  taskBytes: Map<number, number>;
  reach: ReachabilitySummary;
  reachedPackages: Set<string> | null;
  reachableCount: Map<number, number>;
}

function prepare(opts: AuditOptions): Prepared {
  const started = performance.now();
  clearResolveCache();
  const graph = buildGraph(opts.root, opts.prod);
  const waivers: Waiver[] = opts.allowFile ? loadAllowlist(opts.allowFile) : [];
  const maxParseBytes = opts.maxParseBytes ?? DEFAULT_MAX_PARSE_BYTES;
  const lock = checkLockfile(graph.rootDir, opts.prod);
  const listed = graph.packages.map((pkg) => listPackageFiles(pkg.dir));

  const entries = opts.assumeReachable ? [] : opts.entries?.length ? explicitEntries(graph.rootDir, opts.entries) : defaultEntries(graph.rootDir, graph.rootManifest);
  const rel = (abs: string): string => relative(graph.rootDir, abs).split(sep).join('/');
  let reach: ReachabilitySummary;
  let reachedPackages: Set<string> | null = null;
  const perPackage: Array<string[] | null> = graph.packages.map(() => null);
  if (entries.length) {
    const r = computeReachability(entries, graph.packages.map((p, i) => ({ dir: p.dir, files: listed[i]?.code ?? [] })));
    reachedPackages = r.packages;
    graph.packages.forEach((pkg, i) => {
      const files = listed[i];
      if (!files) return;
      perPackage[i] = [...files.code, ...files.native].filter((f) => r.files.has(join(pkg.dir, f)));
    });
    reach = { mode: 'entries', entries: entries.map(rel), reachableFiles: r.files.size, computedLoads: r.computed.map(rel).sort() };
  } else {
    // Nothing names an entry point: every file counts as reachable (unsure means reachable).
    reach = { mode: 'unknown', entries: [], reachableFiles: listed.reduce((n, l) => n + l.code.length, 0), computedLoads: [] };
  }

  const packageFindings: Finding[] = [...graph.missing, ...(lock ?? [])];
  const tasks: PackageScanTask[] = [];
  const taskBytes = new Map<number, number>();
  const reachableCount = new Map<number, number>();
  graph.packages.forEach((pkg, index) => {
    const files = listed[index] as ReturnType<typeof listPackageFiles>;
    const pkgReachable = reachedPackages ? reachedPackages.has(pkg.dir) : true;
    const reachableFiles = perPackage[index] ?? null;
    reachableCount.set(index, reachableFiles ? reachableFiles.length : files.code.length);
    for (const f of [...checkManifest(pkg, graph.rootManifest.allowScripts, files.topLevel), ...nativeBinaryFindings(pkg, files.native)]) {
      // A native binary is reachable when it is loaded (or, unknown, when its package is).
      const fileReach = f.file && reachableFiles ? reachableFiles.includes(f.file) || pkgReachable : pkgReachable;
      packageFindings.push({ ...f, reachable: f.rule === 'native-addon' ? fileReach : pkgReachable });
    }
    for (const doc of files.topLevel.filter((n) => /\.(?:md|markdown|txt)$/i.test(n))) packageFindings.push(...docHosts(pkg, doc));
    tasks.push({ index, dir: pkg.dir, files: files.code, isModulePkg: pkg.manifest.type === 'module', deep: opts.deep === true, maxParseBytes, reachable: reachableFiles, cacheDir: opts.cacheDir ?? null });
    taskBytes.set(index, files.codeBytes);
  });
  return { started, graph, waivers, packageFindings, lockfile: lock ? 'checked' : 'absent', tasks, taskBytes, reach, reachedPackages, reachableCount };
}

function finish(p: Prepared, results: PackageScanResult[], opts: AuditOptions): AuditReport {
  const stats: ScanStats = { packages: p.graph.packages.length, files: 0, parsed: 0, lexicalOnly: 0, parseFailures: 0, unreachableLexical: 0, bytes: 0, durationMs: 0 };
  const all: Finding[] = [...p.packageFindings];
  const packages: PackageSummary[] = [];
  for (const r of results) {
    const pkg = p.graph.packages[r.index] as PackageNode;
    const task = p.tasks[r.index] as PackageScanTask;
    const reachable = task.reachable ? new Set(task.reachable) : null;
    stats.files += r.files;
    stats.bytes += r.bytes;
    stats.parsed += r.parsed;
    stats.lexicalOnly += r.lexicalOnly;
    stats.parseFailures += r.parseFailures;
    stats.unreachableLexical += r.unreachableLexical;
    for (const f of r.findings) all.push(attach(pkg, f.file, f.raw, reachable ? reachable.has(f.file) : true));
    packages.push({
      name: pkg.name, version: pkg.version, relPath: pkg.relPath, dev: pkg.dev, files: r.files,
      reachableFiles: p.reachableCount.get(r.index) ?? 0, chain: pkg.chain,
      urlHosts: r.hosts.length > MAX_HOSTS_PER_PACKAGE ? [...r.hosts.slice(0, MAX_HOSTS_PER_PACKAGE), `… ${r.hosts.length - MAX_HOSTS_PER_PACKAGE} more`] : r.hosts,
    });
  }
  const failOn = opts.failOn ?? 'high';
  const graded = all.map(grade);
  const audited = new Set(p.graph.packages.map((pkg) => pkg.name));
  const { failing, waived, unused, expired } = applyWaivers(graded, p.waivers, audited, opts.today ?? new Date());
  const atOrAbove = failing.filter((f) => severityRank(f.severity) >= severityRank(failOn));
  const below = failing.filter((f) => severityRank(f.severity) < severityRank(failOn));
  const bySeverity = (a: Finding, b: Finding): number => severityRank(b.severity) - severityRank(a.severity) || a.package.localeCompare(b.package);
  stats.durationMs = Math.round(performance.now() - p.started);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'hermetic-audit', version: hermeticVersion },
    root: p.graph.rootDir,
    scope: opts.prod ? 'prod' : 'all',
    lockfile: p.lockfile,
    failOn,
    reachability: p.reach,
    stats, packages, findings: atOrAbove.sort(bySeverity), waived, notes: below.sort(bySeverity), unusedWaivers: unused, expiredWaivers: expired,
    ok: atOrAbove.length === 0 && expired.length === 0,
  };
}

/** The audit in this thread. */
export function runAudit(opts: AuditOptions): AuditReport {
  const p = prepare(opts);
  return finish(p, p.tasks.map(scanPackage), opts);
}

/** The same audit with the code scan spread over `jobs` worker threads (same report). */
export async function runAuditParallel(opts: AuditOptions, jobs: number): Promise<AuditReport> {
  const p = prepare(opts);
  const results = await scanPackages(p.tasks, jobs, (t) => p.taskBytes.get(t.index) ?? 0);
  return finish(p, results, opts);
}
