// Benchmark: the dependency audit over this project's full installed tree (production + dev).
// Runs in the same process, each against the same baseline measured first:
//   baseline  — walk the graph and read every JavaScript file (the I/O floor, no analysis)
//   audit     — the default audit (lexical pre-filter, AST for files with a trigger token)
//   deep      — every file parsed into an AST (--deep)
//   workers   — the default audit with the scan spread over worker threads (what the CLI does)
// Prints packages, files, MiB, wall and CPU seconds, files/s, and each run as a ratio of the
// baseline. CPU time is shown because the machine is shared: wall time alone is noisy.
//   npx tsc -p tsconfig.json && node dist/bench/audit.js [--root DIR] [--prod] [--no-deep]
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { availableParallelism } from 'node:os';
import { buildGraph, runAudit, runAuditParallel } from '../src/audit/index.js';
import { listPackageFiles } from '../src/audit/files.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({ options: { root: { type: 'string' }, prod: { type: 'boolean' }, 'no-deep': { type: 'boolean' } } });
const root = values.root ?? join(here, '..', '..');
const prod = values.prod === true;

interface Run { name: string; wallMs: number; cpuMs: number; files: number; bytes: number; packages: number; parsed: number | null }

type Counts = { files: number; bytes: number; packages: number; parsed: number | null };

async function measure(name: string, fn: () => Counts | Promise<Counts>): Promise<Run> {
  // process.cpuUsage() covers every thread of the process, worker threads included.
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await fn();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { name, wallMs, cpuMs: (c.user + c.system) / 1000, ...r };
}

const baseline = await measure('baseline (graph + read files)', () => {
  const g = buildGraph(root, prod);
  let files = 0;
  let bytes = 0;
  for (const p of g.packages) {
    for (const rel of listPackageFiles(p.dir).code) {
      const text = readFileSync(join(p.dir, rel), 'utf8');
      files++;
      bytes += Buffer.byteLength(text);
    }
  }
  return { files, bytes, packages: g.packages.length, parsed: null };
});

const jobs = Math.min(availableParallelism(), 4);
const counts = (r: { stats: { files: number; bytes: number; packages: number; parsed: number } }): Counts =>
  ({ files: r.stats.files, bytes: r.stats.bytes, packages: r.stats.packages, parsed: r.stats.parsed });
const runs = [baseline, await measure('audit (default, 1 thread)', () => counts(runAudit({ root, prod, allowFile: null })))];
if (!values['no-deep']) runs.push(await measure('audit --deep (1 thread)', () => counts(runAudit({ root, prod, deep: true, allowFile: null }))));
runs.push(await measure(`audit (default, ${jobs} workers)`, async () => counts(await runAuditParallel({ root, prod, allowFile: null }, jobs))));

console.log(`hermetic audit benchmark — ${prod ? 'production' : 'production + dev'} tree of ${root}, Node ${process.version}`);
console.log(`${'run'.padEnd(32)} ${'packages'.padStart(8)} ${'files'.padStart(7)} ${'parsed'.padStart(7)} ${'MiB'.padStart(6)} ${'wall s'.padStart(7)} ${'cpu s'.padStart(7)} ${'files/s'.padStart(8)} ${'wall×base'.padStart(9)} ${'cpu×base'.padStart(9)}`);
for (const r of runs) {
  console.log(`${r.name.padEnd(32)} ${String(r.packages).padStart(8)} ${String(r.files).padStart(7)} ${String(r.parsed ?? '-').padStart(7)} ${(r.bytes / 1048576).toFixed(1).padStart(6)} `
    + `${(r.wallMs / 1000).toFixed(2).padStart(7)} ${(r.cpuMs / 1000).toFixed(2).padStart(7)} ${Math.round(r.files / (r.wallMs / 1000)).toString().padStart(8)} `
    + `${(r.wallMs / baseline.wallMs).toFixed(1).padStart(9)} ${(r.cpuMs / baseline.cpuMs).toFixed(1).padStart(9)}`);
}
const d = values['no-deep'] ? undefined : runs[2];
if (d) console.log(`pre-filter saves ${((1 - (runs[1] as Run).cpuMs / d.cpuMs) * 100).toFixed(0)}% of the CPU time of a full parse (same findings: see test/unit/audit-scan.test.ts).`);
