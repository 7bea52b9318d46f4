// Benchmark: the dependency audit over this project's full installed tree (production + dev).
// Three runs in the same process, each against the same baseline measured first:
//   baseline  — walk the graph and read every JavaScript file (the I/O floor, no analysis)
//   audit     — the default audit (lexical pre-filter, AST for files with a trigger token)
//   deep      — every file parsed into an AST (--deep)
// Prints packages, files, MiB, wall and CPU seconds, files/s, and each run as a ratio of the
// baseline. CPU time is shown because the machine is shared: wall time alone is noisy.
//   npx tsc -p tsconfig.json && node dist/bench/audit.js [--root DIR] [--prod] [--no-deep]
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildGraph, runAudit } from '../src/audit/index.js';
import { listPackageFiles } from '../src/audit/files.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({ options: { root: { type: 'string' }, prod: { type: 'boolean' }, 'no-deep': { type: 'boolean' } } });
const root = values.root ?? join(here, '..', '..');
const prod = values.prod === true;

interface Run { name: string; wallMs: number; cpuMs: number; files: number; bytes: number; packages: number; parsed: number | null }

function measure(name: string, fn: () => { files: number; bytes: number; packages: number; parsed: number | null }): Run {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = fn();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { name, wallMs, cpuMs: (c.user + c.system) / 1000, ...r };
}

const baseline = measure('baseline (graph + read files)', () => {
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

const audit = (deep: boolean) => () => {
  const r = runAudit({ root, prod, deep, allowFile: null });
  return { files: r.stats.files, bytes: r.stats.bytes, packages: r.stats.packages, parsed: r.stats.parsed };
};
const runs = [baseline, measure('audit (default)', audit(false))];
if (!values['no-deep']) runs.push(measure('audit --deep', audit(true)));

console.log(`hermetic audit benchmark — ${prod ? 'production' : 'production + dev'} tree of ${root}, Node ${process.version}`);
console.log(`${'run'.padEnd(32)} ${'packages'.padStart(8)} ${'files'.padStart(7)} ${'parsed'.padStart(7)} ${'MiB'.padStart(6)} ${'wall s'.padStart(7)} ${'cpu s'.padStart(7)} ${'files/s'.padStart(8)} ${'wall×base'.padStart(9)} ${'cpu×base'.padStart(9)}`);
for (const r of runs) {
  console.log(`${r.name.padEnd(32)} ${String(r.packages).padStart(8)} ${String(r.files).padStart(7)} ${String(r.parsed ?? '-').padStart(7)} ${(r.bytes / 1048576).toFixed(1).padStart(6)} `
    + `${(r.wallMs / 1000).toFixed(2).padStart(7)} ${(r.cpuMs / 1000).toFixed(2).padStart(7)} ${Math.round(r.files / (r.wallMs / 1000)).toString().padStart(8)} `
    + `${(r.wallMs / baseline.wallMs).toFixed(1).padStart(9)} ${(r.cpuMs / baseline.cpuMs).toFixed(1).padStart(9)}`);
}
const d = runs[2];
if (d) console.log(`pre-filter saves ${((1 - (runs[1] as Run).cpuMs / d.cpuMs) * 100).toFixed(0)}% of the CPU time of a full parse (same findings: see test/unit/audit-scan.test.ts).`);
