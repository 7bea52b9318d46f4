// Benchmark: latency of one conversion through the jailed worker pool, as ratios against the
// same converter run in-process (the baseline, measured in the same run):
//   warm   — a pre-spawned, ready worker takes the job (what the server does)
//   cold   — a worker is spawned for the job and must import its converters first
// plus the throughput of a burst of jobs with a pool of 2. Medians over --rounds.
//   npx tsc -p tsconfig.json && node dist/bench/convert.js [--rounds N] [--burst N]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { spawn as jailSpawn, probe } from '../src/isolation/jail/index.js';
import { ConvertService, type ConvertRequest, type FormatId } from '../src/convert/index.js';
import { BUILTIN_CONVERTERS } from '../src/convert/converters/index.js';
import { ConverterRegistry } from '../src/convert/registry.js';
import { detectFormat } from '../src/convert/detect.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, burst: { type: 'string', default: '8' } } });
const rounds = Number(values.rounds);
const burst = Number(values.burst);
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] as number; };
const dataDir = mkdtempSync(join(tmpdir(), 'hermetic-bench-convert-'));
const config = { dataDir, strictness: 'standard' as const, jobTimeoutMs: 60_000, workerMemoryMb: 512, poolSize: 1, logFileNames: false, killGraceMs: 500, resultTtlMs: 60_000 };

const png = await sharp({ create: { width: 1200, height: 800, channels: 3, background: { r: 20, g: 120, b: 200 } } }).png().toBuffer();
const csv = Buffer.from('id,name,qty\n' + Array.from({ length: 2000 }, (_, i) => `${i},item${i},${i % 17}`).join('\n') + '\n');
const ocrPng = await sharp(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="900" height="160"><rect width="100%" height="100%" fill="white"/><text x="30" y="100" font-family="DejaVu Sans" font-size="56">Hermetic bench OCR</text></svg>')).png().toBuffer();
const cases: { name: string; req: ConvertRequest }[] = [
  { name: 'csv→json (2000 rows)', req: { data: csv, from: 'csv', to: 'json' } },
  { name: 'png→jpeg (1200×800)', req: { data: png, to: 'jpeg' } },
  { name: 'ocr png→txt (1 line)', req: { data: ocrPng, to: 'txt' } },
];

const reg = new ConverterRegistry(BUILTIN_CONVERTERS);
async function inProcess(req: ConvertRequest): Promise<number> {
  const t = performance.now();
  const from = await detectFormat(req.data, { format: req.from ?? null });
  const c = reg.find(from, req.to as FormatId);
  await c.convert({ data: req.data, from, to: req.to as FormatId }, reg.parseOptions(c, {}));
  return performance.now() - t;
}

async function waitReady(s: ConvertService, n: number): Promise<void> {
  while (s.stats().pool.ready < n) await new Promise((r) => setTimeout(r, 10));
}

const caps = probe();
const layers = Object.entries(caps.layers).filter(([, l]) => l.available).map(([n]) => n);
console.log(`hermetic convert bench — node ${process.version}, jail layers available: ${layers.join(', ') || 'none'}, rounds ${rounds}`);

const warm = new ConvertService({ config, spawn: jailSpawn });
warm.start();
await warm.catalog();
for (const c of cases) {
  await inProcess(c.req); // warm the in-process modules once
  const base: number[] = [];
  const hot: number[] = [];
  const cold: number[] = [];
  for (let i = 0; i < rounds; i++) {
    base.push(await inProcess(c.req));
    await waitReady(warm, 1);
    let t = performance.now();
    const v = await warm.convert(c.req);
    if (v.status !== 'succeeded') throw new Error(`warm job failed: ${JSON.stringify(v.error)}`);
    hot.push(performance.now() - t);
    warm.discardResult(v.id);
    const one = new ConvertService({ config, spawn: jailSpawn, replenish: false });
    t = performance.now();
    one.start();
    const w = await one.convert(c.req);
    cold.push(performance.now() - t);
    if (w.status !== 'succeeded') throw new Error(`cold job failed: ${JSON.stringify(w.error)}`);
    await one.close();
  }
  const b = median(base);
  console.log(`${c.name.padEnd(22)} in-process ${b.toFixed(1)} ms | warm jailed worker ${median(hot).toFixed(1)} ms (×${(median(hot) / b).toFixed(1)}) | cold jailed worker ${median(cold).toFixed(1)} ms (×${(median(cold) / b).toFixed(1)}); warm/cold = ${(median(hot) / median(cold)).toFixed(2)}`);
}
await warm.close();

const pool2 = new ConvertService({ config: { ...config, poolSize: 2 }, spawn: jailSpawn, maxQueued: burst });
pool2.start();
await pool2.catalog();
await waitReady(pool2, 2);
const t0 = performance.now();
const results = await Promise.all(Array.from({ length: burst }, () => pool2.convert(cases[0]!.req)));
const secs = (performance.now() - t0) / 1000;
const ok = results.filter((r) => r.status === 'succeeded').length;
let baseTotal = 0;
for (let i = 0; i < burst; i++) baseTotal += await inProcess(cases[0]!.req);
console.log(`burst of ${burst} csv→json jobs, pool of 2: ${(ok / secs).toFixed(2)} jobs/s (${ok}/${burst} ok); in-process serial ${(burst / (baseTotal / 1000)).toFixed(1)} jobs/s (ratio ×${((burst / (baseTotal / 1000)) / (ok / secs)).toFixed(1)} slower through workers); avg warm-up ${pool2.stats().pool.averageWarmMs} ms`);
await pool2.close();
rmSync(dataDir, { recursive: true, force: true });
