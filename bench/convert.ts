// Conversion benchmarks (issue 5), each against a baseline measured in the same run:
//   1. throughput: N PNG → WebP through the jailed, single-use pool vs the same sharp calls
//      in-process, with the same concurrency (the pool size). Goal ≥ 0.85×.
//   2. latency: a 10 KB Markdown → HTML through POST /api/convert vs an in-process call (p50, p95).
//   3. warm pool vs cold spawn (CSV → JSON), and each family's worker warm-up.
//   4. OCR: seconds per page-sized image (A4 at 150 dpi) in a warm OCR worker, and its peak memory.
//   npx tsc -p tsconfig.json && node dist/bench/convert.js [--images 200] [--size 1600x1200] [--requests 20] [--rounds 5] [--sections 1,2,3,4]
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { spawn as jailSpawn, probe, type JailHandle } from '../src/isolation/jail/index.js';
import { ConvertService, type ConvertServiceOptions, type ConvertRequest, type FormatId, type JailSpawn } from '../src/convert/index.js';
import { BUILTIN_CONVERTERS } from '../src/convert/converters/index.js';
import { ConverterRegistry } from '../src/convert/registry.js';
import { detectFormat } from '../src/convert/detect.js';
import { warm as warmOcr } from '../src/convert/converters/ocr.js';
import { loadConfig } from '../src/config/index.js';
import { startServer, createLogger } from '../src/server/index.js';

const { values } = parseArgs({ options: {
  images: { type: 'string', default: '200' }, size: { type: 'string', default: '1600x1200' },
  requests: { type: 'string', default: '20' }, rounds: { type: 'string', default: '5' },
  sections: { type: 'string', default: '1,2,3,4' },
} });
const sections = new Set((values.sections ?? '').split(','));
const [W, H] = (values.size ?? '1600x1200').split('x').map(Number) as [number, number];
const nImages = Number(values.images);
const concurrency = Math.max(1, cpus().length);
const pct = (xs: number[], p: number): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((s.length - 1) * p))] as number; };
const ms = (x: number): string => `${x.toFixed(1)} ms`;
const dataDir = mkdtempSync(join(tmpdir(), 'hermetic-bench-convert-'));
const baseConfig: ConvertServiceOptions['config'] = { dataDir, strictness: 'standard', jobTimeoutMs: 120_000, workerMemoryMb: 512, poolSize: concurrency, logFileNames: false, killGraceMs: 500, resultTtlMs: 60_000 };
const reg = new ConverterRegistry(BUILTIN_CONVERTERS);

async function inProcess(req: ConvertRequest): Promise<void> {
  const from = await detectFormat(req.data, { format: req.from ?? null, name: req.name ?? null });
  const c = reg.find(from, req.to as FormatId);
  await c.convert({ data: req.data, from, to: req.to as FormatId }, reg.parseOptions(c, req.options ?? {}));
}

/** Run `n` tasks with `lanes` at a time; wall ms. */
async function lanes(n: number, k: number, task: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t = performance.now();
  await Promise.all(Array.from({ length: k }, async () => { while (next < n) await task(next++); }));
  return performance.now() - t;
}

async function until(pred: () => boolean): Promise<void> {
  while (!pred()) await new Promise((r) => setTimeout(r, 10));
}

const caps = probe();
console.log(`hermetic convert bench — node ${process.version}, ${cpus().length} CPUs, jail layers available: ${Object.entries(caps.layers).filter(([, l]) => l.available).map(([n]) => n).join(', ') || 'none'}`);

// 1. Throughput ------------------------------------------------------------------------------
if (sections.has('1')) {
  // Photo-like work for the encoder: gaussian noise over a gradient-free field (a flat colour would be trivial).
  const png = await sharp({ create: { width: W, height: H, channels: 3, background: { r: 90, g: 120, b: 160 }, noise: { type: 'gaussian', mean: 128, sigma: 30 } } }).png({ compressionLevel: 1 }).toBuffer();
  const req: ConvertRequest = { data: png, name: 'photo.png', to: 'webp', options: { quality: 80 } };
  await inProcess(req);
  const inMs = await lanes(nImages, concurrency, () => inProcess(req));
  const svc = new ConvertService({ config: baseConfig, spawn: jailSpawn, maxQueued: nImages, prewarm: ['image'] });
  svc.start();
  await until(() => (svc.stats().pool.families.image?.ready ?? 0) >= 1);
  let failed = 0;
  const poolMs = await lanes(nImages, concurrency, async () => { const v = await svc.convert(req); if (v.status !== 'succeeded') failed++; else svc.discardResult(v.id); });
  const st = svc.stats().pool;
  await svc.close();
  const inRate = nImages / (inMs / 1000);
  const poolRate = nImages / (poolMs / 1000);
  console.log(`\n1. throughput, ${nImages} PNG→WebP ${W}×${H} (${(png.length / 1e6).toFixed(1)} MB), concurrency ${concurrency}:`);
  console.log(`   in-process ${inRate.toFixed(2)} img/s | jailed single-use pool ${poolRate.toFixed(2)} img/s (${failed} failed) | ratio ${(poolRate / inRate).toFixed(2)}× (goal ≥ 0.85×)`);
  console.log(`   per image: in-process ${ms(inMs / nImages * concurrency)}, image-worker warm-up avg ${st.families.image?.averageWarmMs} ms (${st.families.image?.spawned} workers spawned)`);
}

// 2. Latency through the HTTP API ---------------------------------------------------------------
if (sections.has('2')) {
  const para = 'Hermetic converts files **locally**; nothing leaves the machine. [Docs](https://docs.invalid/x) and `code`.\n\n';
  let md = '# Bench document\n\n';
  while (md.length < 10 * 1024) md += `## Section ${md.length}\n\n${para}- item one\n- item two\n\n`;
  const body = Buffer.from(md.slice(0, 10 * 1024));
  const n = Number(values.requests);
  const base: number[] = [];
  for (let i = 0; i < n; i++) { const t = performance.now(); await inProcess({ data: body, name: 'b.md', to: 'html' }); base.push(performance.now() - t); }
  const config = loadConfig({ env: {}, flags: { dataDir, port: 0, poolSize: concurrency, logLevel: 'silent' } });
  const s = await startServer(config, {
    logger: createLogger({ ...config, logLevel: 'silent' }), runtimeFile: false,
    setup: (ctx) => { const svc = new ConvertService({ config, spawn: jailSpawn, store: ctx.store }); svc.start(); ctx.jobs = svc; return () => svc.close(); },
  });
  const svc = s.ctx.jobs as ConvertService;
  const measure = async (gapMs: number): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      await until(() => (svc.stats().pool.families.document?.ready ?? 0) >= 1 || gapMs === 0);
      const t = performance.now();
      const res = await fetch(`${s.url}api/convert?to=html&name=b.md`, { method: 'POST', headers: { authorization: `Bearer ${s.ctx.token}`, 'content-type': 'application/octet-stream' }, body });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      out.push(performance.now() - t);
      if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
    }
    return out;
  };
  await until(() => (svc.stats().pool.families.document?.ready ?? 0) >= 1);
  const paced = await measure(100);
  const burst = await measure(0);
  await s.close();
  console.log(`\n2. latency, 10 KB Markdown → HTML, ${n} requests:`);
  console.log(`   in-process       p50 ${ms(pct(base, 0.5))}  p95 ${ms(pct(base, 0.95))}`);
  console.log(`   POST /api/convert (a warm worker ready)  p50 ${ms(pct(paced, 0.5))}  p95 ${ms(pct(paced, 0.95))}  → overhead p50 ${ms(pct(paced, 0.5) - pct(base, 0.5))}`);
  console.log(`   POST /api/convert back-to-back (waits for replenishment)  p50 ${ms(pct(burst, 0.5))}  p95 ${ms(pct(burst, 0.95))}`);
}

// 3. Warm vs cold, and warm-up per family ------------------------------------------------------
if (sections.has('3')) {
  const csv = Buffer.from('id,name,qty\n' + Array.from({ length: 2000 }, (_, i) => `${i},item${i},${i % 17}`).join('\n') + '\n');
  const req: ConvertRequest = { data: csv, name: 'x.csv', to: 'json' };
  const rounds = Number(values.rounds);
  const base: number[] = [];
  for (let i = 0; i < rounds; i++) { const t = performance.now(); await inProcess(req); base.push(performance.now() - t); }
  const warm: number[] = [];
  const svc = new ConvertService({ config: { ...baseConfig, poolSize: 1 }, spawn: jailSpawn, prewarm: ['data', 'image', 'document', 'spreadsheet', 'pdf', 'ocr'] });
  svc.start();
  for (let i = 0; i < rounds; i++) {
    await until(() => (svc.stats().pool.families.data?.ready ?? 0) >= 1);
    const t = performance.now(); await svc.convert(req); warm.push(performance.now() - t);
  }
  await until(() => ['image', 'document', 'spreadsheet', 'pdf', 'ocr'].every((f) => (svc.stats().pool.families[f as 'ocr']?.spawned ?? 0) >= 1));
  await svc.catalog(); // an 'all' worker: every module imported, as every worker did before per-family pools
  const fam = svc.stats().pool.families;
  await svc.close();
  const cold: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const c = new ConvertService({ config: { ...baseConfig, poolSize: 1 }, spawn: jailSpawn, prewarm: [], replenish: false });
    c.start();
    const t = performance.now(); await c.convert(req); cold.push(performance.now() - t);
    await c.close();
  }
  console.log(`\n3. CSV→JSON (2000 rows), median of ${rounds}: in-process ${ms(pct(base, 0.5))} | warm jailed worker ${ms(pct(warm, 0.5))} | cold spawn ${ms(pct(cold, 0.5))} (cold/warm ${(pct(cold, 0.5) / pct(warm, 0.5)).toFixed(1)}×)`);
  console.log(`   worker warm-up by family (ms): ${Object.entries(fam).map(([f, v]) => `${f} ${v?.averageWarmMs}`).join(', ')}`);
}

// 4. OCR --------------------------------------------------------------------------------------
if (sections.has('4')) {
  const lines = Array.from({ length: 28 }, (_, i) => `<text x="90" y="${140 + i * 55}" font-family="DejaVu Sans" font-size="30">Line ${i + 1}: Hermetic reads this page offline, nothing leaves.</text>`).join('');
  const page = await sharp(Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="1240" height="1754"><rect width="100%" height="100%" fill="white"/>${lines}</svg>`)).png().toBuffer();
  const req: ConvertRequest = { data: page, name: 'page.png', to: 'txt' };
  await warmOcr();
  const t0 = performance.now(); await inProcess(req); const inSec = (performance.now() - t0) / 1000;
  // Peak memory of each worker: VmHWM from /proc, sampled until the worker is gone.
  const peaks: number[] = [];
  const spawn: JailSpawn = async (cmd, args, opts) => {
    const h: JailHandle = await jailSpawn(cmd, args, opts);
    let peak = 0;
    const read = (): void => { try { const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${h.pid}/status`, 'utf8')); if (m) peak = Math.max(peak, Number(m[1]) * 1024); } catch { /* gone */ } };
    const timer = setInterval(read, 50);
    void h.exited.finally(() => { clearInterval(timer); peaks.push(peak); });
    return h;
  };
  const svc = new ConvertService({ config: { ...baseConfig, poolSize: 1 }, spawn, prewarm: ['ocr'] });
  svc.start();
  const secs: number[] = [];
  let conf = 0;
  for (let i = 0; i < 3; i++) {
    await until(() => (svc.stats().pool.families.ocr?.ready ?? 0) >= 1);
    const t = performance.now();
    const v = await svc.convert(req);
    secs.push((performance.now() - t) / 1000);
    conf = Number(v.info?.['confidence'] ?? 0);
  }
  await svc.close();
  console.log(`\n4. OCR, A4 page at 150 dpi (1240×1754, 28 lines): ${pct(secs, 0.5).toFixed(2)} s/page in a warm jailed OCR worker (in-process, engine warm: ${inSec.toFixed(2)} s); confidence ${conf}%`);
  console.log(`   worker peak memory (VmHWM): ${(Math.max(...peaks) / 1048576).toFixed(0)} MiB`);
}
rmSync(dataDir, { recursive: true, force: true });
