// One audit run: build the dependency graph, check every package's manifest and files, scan
// its code (in this thread or in worker threads), apply the reviewed waivers, and return the
// report every output format is made from. Only reads files: no network, no child processes,
// no install scripts.
import { version as hermeticVersion } from '../version.js';
import { applyWaivers, loadAllowlist, type Waiver } from './allowlist.js';
import { listPackageFiles } from './files.js';
import { checkLockfile } from './lockfile.js';
import { checkManifest, nativeBinaryFindings } from './manifest-checks.js';
import { ruleInfo } from './rules.js';
import type { RawFinding } from './scan/index.js';
import { scanPackage, type PackageScanResult, type PackageScanTask } from './scan/package.js';
import { scanPackages } from './scan/pool.js';
import { buildGraph, type DependencyGraph } from './tree.js';
import type { AuditOptions, AuditReport, Finding, PackageNode, PackageSummary, ScanStats } from './types.js';

export const DEFAULT_MAX_PARSE_BYTES = 8 * 1024 * 1024;
const MAX_HOSTS_PER_PACKAGE = 40;

function attach(pkg: PackageNode, file: string, raw: RawFinding): Finding {
  const times = raw.count && raw.count > 1 ? ` (${raw.count}× in this file)` : '';
  return {
    rule: raw.rule, level: ruleInfo(raw.rule).level, package: pkg.name, version: pkg.version, packagePath: pkg.relPath,
    file, ...(raw.line !== undefined ? { line: raw.line } : {}), ...(raw.column !== undefined ? { column: raw.column } : {}),
    message: raw.message + times, ...(raw.subject !== undefined ? { subject: raw.subject } : {}),
  };
}

interface Prepared {
  started: number;
  graph: DependencyGraph;
  waivers: Waiver[];
  packageFindings: Finding[];
  lockfile: 'checked' | 'absent';
  tasks: PackageScanTask[];
  taskBytes: Map<number, number>;
}

function prepare(opts: AuditOptions): Prepared {
  const started = performance.now();
  const graph = buildGraph(opts.root, opts.prod);
  const waivers: Waiver[] = opts.allowFile ? loadAllowlist(opts.allowFile) : [];
  const maxParseBytes = opts.maxParseBytes ?? DEFAULT_MAX_PARSE_BYTES;
  const lock = checkLockfile(graph.rootDir, opts.prod);
  const packageFindings: Finding[] = [...graph.missing, ...(lock ?? [])];
  const tasks: PackageScanTask[] = [];
  const taskBytes = new Map<number, number>();
  graph.packages.forEach((pkg, index) => {
    const files = listPackageFiles(pkg.dir);
    packageFindings.push(...checkManifest(pkg, graph.rootManifest.allowScripts, files.topLevel));
    packageFindings.push(...nativeBinaryFindings(pkg, files.native));
    tasks.push({ index, dir: pkg.dir, files: files.code, isModulePkg: pkg.manifest.type === 'module', deep: opts.deep === true, maxParseBytes });
    taskBytes.set(index, files.codeBytes);
  });
  return { started, graph, waivers, packageFindings, lockfile: lock ? 'checked' : 'absent', tasks, taskBytes };
}

function finish(p: Prepared, results: PackageScanResult[], opts: AuditOptions): AuditReport {
  const stats: ScanStats = { packages: p.graph.packages.length, files: 0, parsed: 0, lexicalOnly: 0, parseFailures: 0, bytes: 0, durationMs: 0 };
  const all: Finding[] = [...p.packageFindings];
  const packages: PackageSummary[] = [];
  for (const r of results) {
    const pkg = p.graph.packages[r.index] as PackageNode;
    stats.files += r.files;
    stats.bytes += r.bytes;
    stats.parsed += r.parsed;
    stats.lexicalOnly += r.lexicalOnly;
    stats.parseFailures += r.parseFailures;
    for (const f of r.findings) all.push(attach(pkg, f.file, f.raw));
    packages.push({
      name: pkg.name, version: pkg.version, relPath: pkg.relPath, dev: pkg.dev, files: r.files,
      urlHosts: r.hosts.length > MAX_HOSTS_PER_PACKAGE ? [...r.hosts.slice(0, MAX_HOSTS_PER_PACKAGE), `… ${r.hosts.length - MAX_HOSTS_PER_PACKAGE} more`] : r.hosts,
    });
  }
  const notes = all.filter((f) => f.level === 'note');
  const audited = new Set(p.graph.packages.map((pkg) => pkg.name));
  const { failing, waived, unused } = applyWaivers(all.filter((f) => f.level !== 'note'), p.waivers, audited);
  stats.durationMs = Math.round(performance.now() - p.started);
  return {
    tool: { name: 'hermetic-audit', version: hermeticVersion },
    root: p.graph.rootDir,
    scope: opts.prod ? 'prod' : 'all',
    lockfile: p.lockfile,
    stats, packages, findings: failing, waived, notes, unusedWaivers: unused, ok: failing.length === 0,
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
