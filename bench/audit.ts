// Benchmark: the dependency audit over this project's full installed tree (production + dev).
// Each variant runs in a fresh Node process (so each pays its own JIT warm-up, as the CLI
// does), the variants interleaved over several rounds, median reported:
//   baseline  — walk the graph and read every JavaScript file (the I/O floor, no analysis)
//   audit     — the default audit: reachability from our entry points, AST only for reachable
//               files with a trigger token, lexical rules for the rest
//   cached    — the default audit with a warm --cache (AST findings of unchanged files reused)
//   all-reach — the audit before reachability (--assume-reachable): every file with a trigger
//               token parsed (what the first version did; the "before" figure)
//   deep      — every file parsed into an AST (--deep)
//   workers   — the default audit with parsing spread over worker threads (--jobs N)
// Shared machine: compare CPU seconds when the load is high; wall time includes waiting.
// Prints packages, files, MiB, wall and CPU seconds, files/s, and each variant as a ratio of
// the baseline measured in the same run. CPU time is shown because the machine is shared.
//   npx tsc -p tsconfig.json && node dist/bench/audit.js [--root DIR] [--prod] [--rounds N] [--no-deep] [--no-workers]
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildGraph, runAudit, runAuditParallel } from '../src/audit/index.js';
import { listPackageFiles } from '../src/audit/files.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    root: { type: 'string' }, prod: { type: 'boolean' }, 'no-deep': { type: 'boolean' },
    rounds: { type: 'string', default: '2' }, variant: { type: 'string' }, 'no-workers': { type: 'boolean' }, 'cache-dir': { type: 'string' },
  },
});
const root = values.root ?? join(here, '..', '..');
const prod = values.prod === true;
const jobs = Math.min(availableParallelism(), 4);
// The warm-cache variant: filled by a first run before the timed rounds, removed afterwards.
const cacheDir = values['cache-dir'] ?? join(tmpdir(), `hermetic-audit-bench-cache-${process.pid}`);

interface Counts { files: number; bytes: number; packages: number; parsed: number | null }
interface Sample extends Counts { wallMs: number; cpuMs: number }

async function runVariant(name: string): Promise<Counts> {
  const counts = (r: { stats: { files: number; bytes: number; packages: number; parsed: number } }): Counts =>
    ({ files: r.stats.files, bytes: r.stats.bytes, packages: r.stats.packages, parsed: r.stats.parsed });
  if (name === 'baseline') {
    const g = buildGraph(root, prod);
    let files = 0;
    let bytes = 0;
    for (const p of g.packages) {
      for (const rel of listPackageFiles(p.dir).code) { bytes += Buffer.byteLength(readFileSync(join(p.dir, rel), 'utf8')); files++; }
    }
    return { files, bytes, packages: g.packages.length, parsed: null };
  }
  if (name === 'audit') return counts(runAudit({ root, prod, allowFile: null }));
  if (name === 'cached') return counts(runAudit({ root, prod, allowFile: null, cacheDir }));
  if (name === 'all-reach') return counts(runAudit({ root, prod, allowFile: null, assumeReachable: true }));
  if (name === 'deep') return counts(runAudit({ root, prod, deep: true, allowFile: null }));
  if (name === 'workers') return counts(await runAuditParallel({ root, prod, allowFile: null }, jobs));
  throw new Error(`unknown variant ${name}`);
}

if (values.variant) {
  // Child mode: one variant, one JSON line. process.cpuUsage() includes worker threads.
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await runVariant(values.variant);
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  process.stdout.write(`${JSON.stringify({ ...r, wallMs, cpuMs: (c.user + c.system) / 1000 })}\n`);
  process.exit(0);
}

const variants = ['baseline', 'audit', 'cached', 'all-reach', ...(values['no-deep'] ? [] : ['deep']), ...(values['no-workers'] ? [] : ['workers'])];
const labels: Record<string, string> = {
  baseline: 'baseline (graph + read files)', audit: 'audit (default, reachability)', cached: 'audit --cache (warm)', 'all-reach': 'audit --assume-reachable', deep: 'audit --deep', workers: `audit --jobs ${jobs} (workers)`,
};
const samples = new Map<string, Sample[]>(variants.map((v) => [v, []]));
const rounds = Math.max(1, Number(values.rounds));
// Fill the cache once (untimed).
{
  const fill = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--variant', 'cached', '--cache-dir', cacheDir, '--root', root, ...(prod ? ['--prod'] : [])], { encoding: 'utf8' });
  if (fill.status !== 0) throw new Error(`cache fill failed: ${fill.stderr}`);
}
process.on('exit', () => rmSync(cacheDir, { recursive: true, force: true }));
for (let i = 0; i < rounds; i++) {
  for (const v of variants) {
    const args = [fileURLToPath(import.meta.url), '--variant', v, '--cache-dir', cacheDir, '--root', root, ...(prod ? ['--prod'] : [])];
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.status !== 0) throw new Error(`variant ${v} failed: ${r.stderr}`);
    (samples.get(v) as Sample[]).push(JSON.parse(r.stdout) as Sample);
  }
}
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)] as number; };
const med = (v: string): Sample => {
  const s = samples.get(v) as Sample[];
  return { ...(s[0] as Sample), wallMs: median(s.map((x) => x.wallMs)), cpuMs: median(s.map((x) => x.cpuMs)) };
};
const base = med('baseline');
console.log(`hermetic audit benchmark — ${prod ? 'production' : 'production + dev'} tree of ${root}, Node ${process.version}, ${rounds} round(s), lower median, fresh process per run`);
console.log(`${'run'.padEnd(30)} ${'packages'.padStart(8)} ${'files'.padStart(7)} ${'parsed'.padStart(7)} ${'MiB'.padStart(6)} ${'wall s'.padStart(7)} ${'cpu s'.padStart(7)} ${'files/s'.padStart(8)} ${'wall×base'.padStart(9)} ${'cpu×base'.padStart(9)}`);
for (const v of variants) {
  const r = med(v);
  console.log(`${(labels[v] as string).padEnd(30)} ${String(r.packages).padStart(8)} ${String(r.files).padStart(7)} ${String(r.parsed ?? '-').padStart(7)} ${(r.bytes / 1048576).toFixed(1).padStart(6)} `
    + `${(r.wallMs / 1000).toFixed(2).padStart(7)} ${(r.cpuMs / 1000).toFixed(2).padStart(7)} ${Math.round(r.files / (r.wallMs / 1000)).toString().padStart(8)} `
    + `${(r.wallMs / base.wallMs).toFixed(1).padStart(9)} ${(r.cpuMs / base.cpuMs).toFixed(1).padStart(9)}`);
}
{
  const a = med('audit');
  const b = med('all-reach');
  console.log(`reachability: ${(b.wallMs / a.wallMs).toFixed(1)}× faster wall, ${(b.cpuMs / a.cpuMs).toFixed(1)}× less CPU than the audit without it (${b.parsed ?? '?'} → ${a.parsed ?? '?'} files parsed).`);
}
if (!values['no-deep']) {
  const a = med('audit');
  const d = med('deep');
  console.log(`pre-filter: ${((1 - a.cpuMs / d.cpuMs) * 100).toFixed(0)}% less CPU than parsing every file (the big bundles that dominate parse time contain trigger tokens anyway).`);
}
