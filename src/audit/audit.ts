// One audit run: build the dependency graph, check every package's manifest and files, scan
// its code, apply the reviewed waivers, and return the report every output format is made
// from. Only reads files: no network, no child processes, no install scripts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { version as hermeticVersion } from '../version.js';
import { applyWaivers, loadAllowlist, type Waiver } from './allowlist.js';
import { listPackageFiles } from './files.js';
import { checkManifest, nativeBinaryFindings } from './manifest-checks.js';
import { ruleInfo } from './rules.js';
import { scanText, type RawFinding } from './scan/index.js';
import { buildGraph } from './tree.js';
import { checkLockfile } from './lockfile.js';
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

export function runAudit(opts: AuditOptions): AuditReport {
  const started = performance.now();
  const graph = buildGraph(opts.root, opts.prod);
  const waivers: Waiver[] = opts.allowFile ? loadAllowlist(opts.allowFile) : [];
  const maxParseBytes = opts.maxParseBytes ?? DEFAULT_MAX_PARSE_BYTES;
  const stats: ScanStats = { packages: graph.packages.length, files: 0, parsed: 0, lexicalOnly: 0, parseFailures: 0, bytes: 0, durationMs: 0 };
  const all: Finding[] = [...graph.missing, ...(checkLockfile(graph.rootDir, opts.prod) ?? [])];
  const packages: PackageSummary[] = [];

  for (const pkg of graph.packages) {
    const files = listPackageFiles(pkg.dir);
    all.push(...checkManifest(pkg, graph.rootManifest.allowScripts, files.topLevel));
    all.push(...nativeBinaryFindings(pkg, files.native));
    const hosts = new Set<string>();
    const isModulePkg = pkg.manifest.type === 'module';
    for (const rel of files.code) {
      let buf: Buffer;
      try { buf = readFileSync(join(pkg.dir, rel)); } catch { continue; }
      stats.files++;
      stats.bytes += buf.length;
      const prefer = rel.endsWith('.mjs') ? 'module' : rel.endsWith('.cjs') ? 'script' : isModulePkg ? 'module' : 'script';
      const r = scanText(buf.toString('utf8'), buf.length, { prefer, deep: opts.deep === true, maxParseBytes }, hosts);
      if (r.how === 'parsed') stats.parsed++;
      else if (r.how === 'lexical-only') stats.lexicalOnly++;
      else if (r.how === 'parse-failed') stats.parseFailures++;
      for (const raw of r.findings) all.push(attach(pkg, rel, raw));
    }
    const sortedHosts = [...hosts].sort();
    packages.push({
      name: pkg.name, version: pkg.version, relPath: pkg.relPath, dev: pkg.dev, files: files.code.length,
      urlHosts: sortedHosts.length > MAX_HOSTS_PER_PACKAGE ? [...sortedHosts.slice(0, MAX_HOSTS_PER_PACKAGE), `… ${sortedHosts.length - MAX_HOSTS_PER_PACKAGE} more`] : sortedHosts,
    });
  }

  const notes = all.filter((f) => f.level === 'note');
  const { failing, waived, unused } = applyWaivers(all.filter((f) => f.level !== 'note'), waivers);
  stats.durationMs = Math.round(performance.now() - started);
  return {
    tool: { name: 'hermetic-audit', version: hermeticVersion },
    root: graph.rootDir,
    scope: opts.prod ? 'prod' : 'all',
    stats, packages, findings: failing, waived, notes, unusedWaivers: unused, ok: failing.length === 0,
  };
}
