// Conversion benchmarks (issues 5 and 15), each against a baseline measured in the same run:
//   1. batch: N photos PNG → WebP through `hermetic convert` (a real CLI process: jail, monitor,
//      one job, its own workers) vs the in-process floor (sharp in this process, reading and
//      writing the same files, with the better of its two thread settings). Goal ≥ 0.9×.
//   2. latency: a 10 KB Markdown → HTML through POST /api/convert with a warm worker ready vs the
//      same conversion in-process (p50, p95, overhead); and back-to-back (each request waits for
//      nothing but its own worker). The client is a process of its own (http-client.ts); the
//      figures with a client inside the server's process are printed beside them. Goals: overhead p50 ≤ 30 ms, p95 ≤ 60 ms; back-to-back p50 ≤ 2×.
//   3. spawn CPU: where a worker's start-up CPU goes (jail helper, Node, tripwire, imports,
//      warm-up), per family, before (the worker of --before DIR, e.g. a checkout of main) and
//      after, step by step: the modules one by one, the bundle (scripts/bundle.mjs), + the compile cache.
//   4. OCR: seconds per A4 page at 150 dpi in a warm OCR worker, and its peak memory.
//   npx tsc -p tsconfig.json && node dist/bench/convert.js [--images 50,200] [--size 1600x1200]
//        [--requests 30] [--spawns 5] [--before /path/to/old/checkout] [--sections 1,2,3,4]
import { mkdtempSync, rmSync, readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { fork, spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { openCpuMeter, type CpuMeter } from './cpu-meter.js';
import { spawn as jailSpawn, probe, tripwireRegisterPath, type JailHandle } from '../src/isolation/jail/index.js';
import { tripwireArgs } from '../src/isolation/jail/node-args.js';
import { pathToFileURL } from 'node:url';
import { ConvertService, WarmPool, type ConvertServiceOptions, type ConvertRequest, type FormatId, type JailSpawn } from '../src/convert/index.js';
import { BUILTIN_CONVERTERS } from '../src/convert/converters/index.js';
import { ConverterRegistry } from '../src/convert/registry.js';
import { detectFormat } from '../src/convert/detect.js';
import { warm as warmOcr } from '../src/convert/converters/ocr.js';
import { loadConfig } from '../src/config/index.js';
import { startServer, createLogger } from '../src/server/index.js';
import { packageRoot } from '../src/version.js';
import type { Family } from '../src/convert/families.js';

const { values } = parseArgs({ options: {
  images: { type: 'string', default: '50,200' }, size: { type: 'string', default: '1600x1200' },
  requests: { type: 'string', default: '30' }, spawns: { type: 'string', default: '5' },
  before: { type: 'string' }, sections: { type: 'string', default: '1,2,3,4' },
} });
const sections = new Set((values.sections ?? '').split(','));
const [W, H] = (values.size ?? '1600x1200').split('x').map(Number) as [number, number];
const cores = Math.max(1, cpus().length);
const pct = (xs: number[], p: number): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((s.length - 1) * p))] as number; };
const ms = (x: number): string => `${x.toFixed(1)} ms`;
const dataDir = mkdtempSync(join(tmpdir(), 'hermetic-bench-convert-'));
const baseConfig: ConvertServiceOptions['config'] = { dataDir, strictness: 'standard', jobTimeoutMs: 120_000, workerMemoryMb: 512, poolSize: cores, logFileNames: false, killGraceMs: 500, resultTtlMs: 60_000 };
const reg = new ConverterRegistry(BUILTIN_CONVERTERS);
const cli = join(packageRoot, 'dist', 'src', 'cli', 'main.js');

async function inProcess(req: ConvertRequest): Promise<Buffer> {
  const from = await detectFormat(req.data, { format: req.from ?? null, name: req.name ?? null });
  const c = reg.find(from, req.to as FormatId);
  return (await c.convert({ data: req.data, from, to: req.to as FormatId }, reg.parseOptions(c, req.options ?? {}))).data;
}

/** Run `n` tasks with `k` at a time; wall ms. */
async function lanes(n: number, k: number, task: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t = performance.now();
  await Promise.all(Array.from({ length: k }, async () => { while (next < n) await task(next++); }));
  return performance.now() - t;
}

async function until(pred: () => boolean): Promise<void> {
  while (!pred()) await new Promise((r) => setTimeout(r, 10));
}

/** CPU ms of this process's reaped descendants so far (utime + stime of children, /proc/self/stat). */
// CPU of Hermetic's process trees: a cgroup (cpu-meter.ts says why reaped-children CPU misses
// every worker killed with its namespace). Without one, CPU figures are not printed.
const opened = openCpuMeter('hermetic-bench-convert');
const meter: CpuMeter | null = 'unavailable' in opened ? null : opened;
if (!meter) console.log(`(CPU of Hermetic's processes not measured: ${(opened as { unavailable: string }).unavailable})`);
process.on('exit', () => meter?.close());
const cpuText = (msCpu: number | null): string => (msCpu === null ? 'CPU n/a' : `${(msCpu / 1000).toFixed(2)} s CPU`);

/** CPU ms of this process itself. */
function selfCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const caps = probe();
console.log(`hermetic convert bench — node ${process.version}, ${cores} CPUs, jail layers available: ${Object.entries(caps.layers).filter(([, l]) => l.available).map(([n]) => n).join(', ') || 'none'}`);

// 1. A batch through `hermetic convert` ---------------------------------------------------------
if (sections.has('1')) {
  // Photo-like work for the encoder: gaussian noise (a flat colour would be trivial).
  const png = await sharp({ create: { width: W, height: H, channels: 3, background: { r: 90, g: 120, b: 160 }, noise: { type: 'gaussian', mean: 128, sigma: 30 } } }).png({ compressionLevel: 1 }).toBuffer();
  console.log(`\n1. batch PNG → WebP ${W}×${H} (${(png.length / 1e6).toFixed(1)} MB each), quality 80: \`hermetic convert\` (one job, jailed workers) vs in-process sharp`);
  const cliData = join(dataDir, 'cli-data');
  for (const n of (values.images ?? '50').split(',').map(Number)) {
    const dir = join(dataDir, `batch-${n}`);
    mkdirSync(join(dir, 'in'), { recursive: true });
    const inputs = Array.from({ length: n }, (_, i) => join(dir, 'in', `photo-${String(i).padStart(4, '0')}.png`));
    for (const p of inputs) writeFileSync(p, png);
    // The floor: the same files read, converted and written by sharp in this process, `cores`
    // at a time, with libvips' own threading (default) and with one thread per image; the faster.
    const floor = async (threads: number): Promise<{ wall: number; cpu: number }> => {
      sharp.concurrency(threads);
      mkdirSync(join(dir, `floor-${threads}`), { recursive: true });
      const c0 = selfCpuMs();
      const wall = await lanes(n, cores, async (i) => {
        const data = readFileSync(inputs[i]!);
        writeFileSync(join(dir, `floor-${threads}`, `${i}.webp`), await inProcess({ data, name: 'p.png', to: 'webp', options: { quality: 80 } }));
      });
      return { wall, cpu: selfCpuMs() - c0 };
    };
    await lanes(cores * 2, cores, async (i) => { await inProcess({ data: readFileSync(inputs[i % n]!), name: 'p.png', to: 'webp', options: { quality: 80 } }); }); // warm this process's code paths
    const f1 = await floor(1);
    const fN = await floor(cores);
    const best = f1.wall <= fN.wall ? { ...f1, threads: 1 } : { ...fN, threads: cores };
    // The CLI: a fresh process per run (its own start-up, store, monitor, workers) — what a user runs.
    const run = (files: string[]): { wall: number; cpu: number | null; ok: boolean; err: string } => {
      const argv = [cli, 'convert', ...files, '--to', 'webp', '--opt', 'quality=80', '--out-dir', join(dir, 'out'), '--force', '--data-dir', cliData];
      const [cmd, args] = meter ? meter.wrap(process.execPath, argv) : [process.execPath, argv];
      const c0 = meter?.ms() ?? 0;
      const t = performance.now();
      const r = spawnSync(cmd, args, { encoding: 'utf8' });
      return { wall: performance.now() - t, cpu: meter ? meter.ms() - c0 : null, ok: r.status === 0, err: r.stderr.split('\n').slice(-3).join(' ') };
    };
    run(inputs.slice(0, 1)); // the first run of a data dir creates the event store
    const c = run(inputs);
    if (!c.ok) throw new Error(`hermetic convert failed: ${c.err}`);
    const ratio = best.wall / c.wall;
    console.log(`   ${String(n).padStart(3)} photos: in-process floor ${(best.wall / 1000).toFixed(2)} s wall, ${(best.cpu / 1000).toFixed(2)} s CPU (libvips threads ${best.threads}; the other setting ${((best.threads === 1 ? fN : f1).wall / 1000).toFixed(2)} s)`);
    console.log(`               hermetic convert ${(c.wall / 1000).toFixed(2)} s wall, ${cpuText(c.cpu)} (process start, jail, ${cores} workers, all files) → ${ratio.toFixed(2)}× the floor's speed (goal ≥ 0.9×)`);
    rmSync(dir, { recursive: true, force: true });
  }
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
  // Four series of requests in a minute: more than the default rate limit allows one client.
  const config = loadConfig({ env: { HERMETIC_RATE_LIMIT_MAX: '10000' }, flags: { dataDir: join(dataDir, 'api'), port: 0, poolSize: cores, logLevel: 'silent' } });
  const s = await startServer(config, {
    logger: createLogger({ ...config, logLevel: 'silent' }), runtimeFile: false,
    setup: (ctx) => { const svc = new ConvertService({ config, spawn: jailSpawn, store: ctx.store }); svc.start(); ctx.jobs = svc; return () => svc.close(); },
  });
  const svc = s.ctx.jobs as ConvertService;
  const post = async (): Promise<number> => {
    const t = performance.now();
    const res = await fetch(`${s.url}api/convert?to=html&name=b.md`, { method: 'POST', headers: { authorization: `Bearer ${s.ctx.token}`, 'content-type': 'application/octet-stream' }, body });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    return performance.now() - t;
  };
  const docReady = (): number => svc.stats().pool.families.document?.ready ?? 0;
  // Let start-up settle (the warm stock, the compile cache builder) before measuring.
  await until(() => docReady() >= 1 && svc.stats().pool.starting === 0 && svc.stats().pool.compileCache.state !== 'building');
  for (let i = 0; i < 3; i++) { await post(); await until(() => docReady() >= 1 && svc.stats().pool.starting === 0); }
  // The client in a process of its own (http-client.ts), as a user's curl or browser is.
  const client = fork(join(packageRoot, 'dist', 'bench', 'http-client.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let clientGone: ((e: Error) => void) | null = null;
  client.on('exit', (code) => clientGone?.(new Error(`the bench's HTTP client exited (${code})`)));
  const remote = (count: number): Promise<number[]> => new Promise((resolve, reject) => {
    clientGone = reject;
    client.once('message', (m: { ms: number[] }) => { clientGone = null; resolve(m.ms); });
    client.send({ url: `${s.url}api/convert?to=html&name=b.md`, token: s.ctx.token, body: body.toString('base64'), count });
  });
  const quiet = async (): Promise<void> => {
    // A warm worker ready and nothing else starting: the latency of the request alone.
    await until(() => docReady() >= 1 && svc.stats().pool.starting === 0);
    await new Promise((r) => setTimeout(r, 50));
  };
  const warm: number[] = [];
  const warmHere: number[] = [];
  for (let i = 0; i < n; i++) {
    await quiet(); warm.push(...(await remote(1)));
    await quiet(); warmHere.push(await post());
  }
  const burst = await remote(n);
  const burstHere: number[] = [];
  for (let i = 0; i < n; i++) burstHere.push(await post());
  client.disconnect();
  const st = svc.stats().pool;
  await s.close();
  const p50 = pct(warm, 0.5);
  console.log(`\n2. latency, 10 KB Markdown → HTML, ${n} requests each:`);
  console.log(`   in-process (warm process)   p50 ${ms(pct(base, 0.5))}  p95 ${ms(pct(base, 0.95))}`);
  console.log(`   POST /api/convert, a warm worker ready   p50 ${ms(p50)}  p95 ${ms(pct(warm, 0.95))}  → overhead p50 ${ms(p50 - pct(base, 0.5))} (goal ≤ 30), p95 ${ms(pct(warm, 0.95) - pct(base, 0.95))} (goal ≤ 60)`);
  console.log(`   POST /api/convert back-to-back           p50 ${ms(pct(burst, 0.5))}  p95 ${ms(pct(burst, 0.95))}  → ${(pct(burst, 0.5) / p50).toFixed(2)}× the warm p50 (goal ≤ 2×)`);
  console.log(`   (the same with the client inside the server's process, waiting behind its event loop: warm p50 ${ms(pct(warmHere, 0.5))} p95 ${ms(pct(warmHere, 0.95))}; back-to-back p50 ${ms(pct(burstHere, 0.5))} p95 ${ms(pct(burstHere, 0.95))})`);
  console.log(`   document workers spawned ${st.families.document?.spawned}, average warm-up ${st.families.document?.averageWarmMs} ms; refills held back while serving: ${st.deferredSpawns}; compile cache: ${st.compileCache.state}`);
}

// 3. Spawn CPU ----------------------------------------------------------------------------------
if (sections.has('3') && !meter) console.log(`\n3. CPU per worker spawn: skipped — it is measured in a cgroup, and ${(opened as { unavailable: string }).unavailable}`);
if (sections.has('3') && meter) {
  const k = Number(values.spawns);
  const families: Family[] = ['data', 'document', 'image'];
  console.log(`\n3. CPU per worker spawn (jailed; median of ${k}; total = a cgroup holding this process and all it starts: helper, Node, the pool's own work):`);
  meter.joinSelf();
  const childCpuMs = (): number => meter.ms();
  /** Jail + `cmd`, run to its end, `k` times: median CPU ms. */
  const jailed = async (cmd: string, args: string[], tripwire: boolean): Promise<number> => {
    const xs: number[] = [];
    for (let i = 0; i < k; i++) {
      const c0 = childCpuMs();
      const h = await jailSpawn(cmd, args, { tripwire, stdio: ['ignore', 'ignore', 'ignore'], nodePermission: { allowFsRead: [packageRoot] } });
      await h.exited;
      xs.push(childCpuMs() - c0);
    }
    return pct(xs, 0.5);
  };
  const helper = await jailed('/bin/true', [], false);
  const nodeBare = await jailed(process.execPath, ['-e', '0'], false);
  const nodeTrip = await jailed(process.execPath, ['-e', '0'], true);
  // The tripwire as modules (what a worker preloaded before the bundle), given by hand.
  const tripModules = await jailed(process.execPath, ['--import', pathToFileURL(tripwireRegisterPath).href, '-e', '0'], false);
  console.log(`   jail helper alone (/bin/true) ${helper.toFixed(0)} ms | + Node (node -e 0) ${nodeBare.toFixed(0)} ms | + tripwire preload ${nodeTrip.toFixed(0)} ms (${tripwireArgs()?.[1]?.endsWith('.mjs') ? 'bundled' : 'modules'}; as modules ${tripModules.toFixed(0)} ms)`);
  /** Spawn `k` workers of `family` with these pool options, each to ready, then killed: CPU each. */
  const workers = async (family: Family, label: string, over: Partial<ConstructorParameters<typeof WarmPool>[0]>): Promise<{ cpu: number; timing: string }> => {
    const root = mkdtempSync(join(dataDir, 'pool-'));
    const pool = new WarmPool({ size: 1, spawn: jailSpawn, jobsRoot: root, memoryMb: 512, readRoots: [packageRoot], replenish: false, prewarm: [], dataDir, ...over });
    const xs: number[] = [];
    const steps: { boot: number; imports: number; warm: number }[] = [];
    for (let i = 0; i < k; i++) {
      const c0 = childCpuMs();
      const w = await pool.acquire(family);
      if (w.timing) steps.push({ boot: w.timing.boot.cpuMs, imports: w.timing.imports.cpuMs, warm: w.timing.warm.cpuMs });
      await w.dispose();
      xs.push(childCpuMs() - c0);
    }
    await pool.close();
    rmSync(root, { recursive: true, force: true });
    const med = (f: (x: { boot: number; imports: number; warm: number }) => number): number => pct(steps.map(f), 0.5);
    const timing = steps.length ? ` (in the worker: boot ${med((x) => x.boot)} + imports ${med((x) => x.imports)} + warm-up ${med((x) => x.warm)} ms)` : '';
    void label;
    return { cpu: pct(xs, 0.5), timing };
  };
  // The compile cache, built once by the pool's builder (as the server does at start).
  const builder = new WarmPool({ size: 1, spawn: jailSpawn, jobsRoot: mkdtempSync(join(dataDir, 'b-')), memoryMb: 512, readRoots: [packageRoot], replenish: false, prewarm: [], dataDir });
  builder.start();
  await until(() => builder.stats().compileCache.state !== 'building' && (builder.stats().compileCache.state !== 'absent' || builder.stats().compileCache.reason.startsWith('the builder failed')));
  console.log(`   compile cache: ${builder.stats().compileCache.state} (${builder.stats().compileCache.reason})`);
  await builder.close();
  const before = values.before ? join(values.before, 'dist', 'src', 'convert', 'worker.js') : null;
  if (before && !existsSync(before)) throw new Error(`--before: ${before} not found (build that checkout first)`);
  const bundled = new WarmPool({ size: 1, spawn: jailSpawn, jobsRoot: dataDir, memoryMb: 512, replenish: false, prewarm: [] }).stats().workerScript;
  console.log(`   worker script: ${bundled.kind} (${bundled.reason})`);
  const gain = (a: number, b: number): string => `${((1 - b / a) * 100).toFixed(0)}%`;
  for (const f of families) {
    const old = before ? await workers(f, 'before', { workerScript: before, readRoots: [packageRoot, values.before!], compileCache: false }) : null;
    const modules = await workers(f, 'modules', { compileCache: false, bundle: false });
    const bundle = await workers(f, 'bundle', { compileCache: false });
    const cached = await workers(f, 'bundle + cache', {});
    console.log(`   ${f.padEnd(9)} ${old ? `before ${old.cpu.toFixed(0)} ms | ` : ''}modules ${modules.cpu.toFixed(0)} ms${modules.timing}`);
    console.log(`   ${''.padEnd(9)} bundled ${bundle.cpu.toFixed(0)} ms${bundle.timing} | + compile cache ${cached.cpu.toFixed(0)} ms${cached.timing}`);
    console.log(`   ${''.padEnd(9)} ${old ? `→ ${gain(old.cpu, cached.cpu)} less than before (steps: ` : '(steps: '}${old ? `before → modules ${gain(old.cpu, modules.cpu)}, ` : ''}bundle ${gain(modules.cpu, bundle.cpu)}, compile cache ${gain(bundle.cpu, cached.cpu)})`);
  }
  meter.leave();
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
  // A batch of 3 pages in one job: one worker, one engine start for all of them.
  const job = svc.submitJob({ to: 'txt', files: [0, 1, 2].map(() => ({ data: page, name: 'page.png' })) });
  const t = performance.now();
  await svc.wait(job.id);
  const batchSec = (performance.now() - t) / 1000;
  await svc.close();
  console.log(`\n4. OCR, A4 page at 150 dpi (1240×1754, 28 lines): ${pct(secs, 0.5).toFixed(2)} s/page in a warm jailed OCR worker (in-process, engine warm: ${inSec.toFixed(2)} s); confidence ${conf}%`);
  console.log(`   3 pages as one job: ${batchSec.toFixed(2)} s (${(batchSec / 3).toFixed(2)} s/page); worker peak memory (VmHWM): ${(Math.max(...peaks) / 1048576).toFixed(0)} MiB`);
}
rmSync(dataDir, { recursive: true, force: true });
