// Hermetic against the tools a user would otherwise pick, side by side in one run (issue 15):
//   photos   N photos PNG → WebP: sharp in-process (the floor), `vips` CLI, ImageMagick `mogrify`
//   md×1     one 10 KB Markdown → HTML: markdown-it in-process, `pandoc`
//   md×100   100 of them
//   csv      CSV of 10 000 rows → JSON: papaparse in-process, Python's csv + json modules
//   ocr150/300  an A4 page at 150 and 300 dpi → text: tesseract.js in-process, native `tesseract`
//   pdf      a 20-page PDF → text: pdfjs in-process, `pdftotext`
// Hermetic runs as a user runs it: `hermetic convert` (a fresh process: start-up, store, monitor,
// jailed workers — one job per invocation), and, for single files, POST /api/convert to a running
// server with a warm worker. Wall and CPU time (CPU of this process and of every process it
// started and reaped); ratios are wall time ÷ the in-process floor and ÷ the best peer (lower is
// better). A peer that is not installed is skipped and said so (nothing is installed here).
//   npx tsc -p tsconfig.json && node dist/bench/peers.js [--photos 50] [--only photos,md1,...] [--markdown]
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { openCpuMeter } from './cpu-meter.js';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { createWorker, OEM } from 'tesseract.js';
import { spawn as jailSpawn } from '../src/isolation/jail/index.js';
import { ConvertService } from '../src/convert/index.js';
import { BUILTIN_CONVERTERS } from '../src/convert/converters/index.js';
import { ConverterRegistry } from '../src/convert/registry.js';
import { detectFormat } from '../src/convert/detect.js';
import { ENG_LANG_PATH } from '../src/convert/converters/ocr.js';
import { loadConfig } from '../src/config/index.js';
import { startServer, createLogger } from '../src/server/index.js';
import { packageRoot } from '../src/version.js';
import type { FormatId } from '../src/convert/formats.js';

const { values } = parseArgs({ options: { photos: { type: 'string', default: '50' }, only: { type: 'string' }, markdown: { type: 'boolean', default: false } } });
const only = values.only ? new Set(values.only.split(',')) : null;
const want = (k: string): boolean => !only || only.has(k);
const cores = Math.max(1, cpus().length);
const dir = mkdtempSync(join(tmpdir(), 'hermetic-bench-peers-'));
const cli = join(packageRoot, 'dist', 'src', 'cli', 'main.js');
const cliData = join(dir, 'cli-data');
const reg = new ConverterRegistry(BUILTIN_CONVERTERS);

interface Row { task: string; tool: string; wall: number | null; cpu: number | null; note?: string; kind: 'floor' | 'peer' | 'hermetic' }
const rows: Row[] = [];

function childCpuMs(): number {
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[13]) + Number(f[14])) * 10;
}
function cpuNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000 + childCpuMs();
}
async function measure(fn: () => Promise<unknown> | unknown): Promise<{ wall: number; cpu: number }> {
  const c = cpuNow();
  const t = performance.now();
  await fn();
  return { wall: performance.now() - t, cpu: cpuNow() - c };
}

function which(cmd: string): string | null {
  for (const d of (process.env.PATH ?? '').split(':')) if (d && !d.startsWith('/usr/local/bin') && existsSync(join(d, cmd))) return join(d, cmd);
  return null;
}

/** Run a command to its end; throws on failure. */
function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}: ${err.slice(-300)}`))));
    p.on('error', reject);
  });
}

/** `n` tasks, `k` at a time. */
async function lanes(n: number, k: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: k }, async () => { while (next < n) await task(next++); }));
}

async function inProcess(data: Buffer, from: FormatId, to: FormatId, options: Record<string, unknown> = {}): Promise<Buffer> {
  const f = await detectFormat(data, { format: from });
  const c = reg.find(f, to);
  return (await c.convert({ data, from: f, to }, reg.parseOptions(c, options))).data;
}

// Hermetic's CPU is counted in a cgroup: its jailed workers are killed with their namespace and
// never reaped by anyone, so reaped-children CPU (what the peers' rows use) would miss them.
const opened = openCpuMeter('hermetic-bench-peers');
const meter = 'unavailable' in opened ? null : opened;
process.on('exit', () => meter?.close());

async function hermeticCli(task: string, inputs: string[], to: string, opts: string[] = []): Promise<void> {
  const out = join(dir, `out-${task}`);
  const args = [cli, 'convert', ...inputs, '--to', to, ...opts.flatMap((o) => ['--opt', o]), '--out-dir', out, '--force', '--data-dir', cliData];
  if (!meter) {
    const m = await measure(() => run(process.execPath, args));
    rows.push({ task, tool: 'hermetic convert (CLI)', wall: m.wall, cpu: null, note: `CPU not measured: ${(opened as { unavailable: string }).unavailable}`, kind: 'hermetic' });
    return;
  }
  const [cmd, argv] = meter.wrap(process.execPath, args);
  const c0 = meter.ms();
  const m = await measure(() => run(cmd, argv));
  rows.push({ task, tool: 'hermetic convert (CLI)', wall: m.wall, cpu: meter.ms() - c0, kind: 'hermetic' });
}

async function peer(task: string, tool: string, cmd: string | null, why: string, body: (bin: string) => Promise<void>): Promise<void> {
  if (!cmd) { rows.push({ task, tool, wall: null, cpu: null, note: `skipped: ${why} is not installed`, kind: 'peer' }); return; }
  try {
    rows.push({ task, tool, ...(await measure(() => body(cmd))), kind: 'peer' });
  } catch (e) {
    rows.push({ task, tool, wall: null, cpu: null, note: `failed: ${(e as Error).message.slice(0, 120)}`, kind: 'peer' });
  }
}

// A running server for the warm single-file path.
let server: Awaited<ReturnType<typeof startServer>> | null = null;
async function api(task: string, body: Buffer, query: string): Promise<void> {
  if (!server) {
    const config = loadConfig({ env: {}, flags: { dataDir: join(dir, 'server'), port: 0, logLevel: 'silent' } });
    server = await startServer(config, {
      logger: createLogger({ ...config, logLevel: 'silent' }), runtimeFile: false,
      setup: (ctx) => { const svc = new ConvertService({ config, spawn: jailSpawn, store: ctx.store, prewarm: ['document', 'data', 'image', 'ocr', 'pdf'] }); svc.start(); ctx.jobs = svc; return () => svc.close(); },
    });
  }
  const s = server;
  const svc = s.ctx.jobs as ConvertService;
  const post = async (): Promise<void> => {
    const res = await fetch(`${s.url}api/convert?${query}`, { method: 'POST', headers: { authorization: `Bearer ${s.ctx.token}`, 'content-type': 'application/octet-stream' }, body });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
  };
  // Warm: its family's worker ready and nothing else starting.
  await post();
  const family = /to=txt&name=[^&]*\.(png)/.test(query) ? 'ocr' : /name=[^&]*\.md/.test(query) ? 'document' : /name=[^&]*\.pdf/.test(query) ? 'pdf' : 'data';
  for (let i = 0; i < 600 && !((svc.stats().pool.families[family as 'ocr']?.ready ?? 0) >= 1 && svc.stats().pool.starting === 0); i++) await new Promise((r) => setTimeout(r, 50));
  // Wall time only: the CPU is the worker's, which also spent its start-up before the request.
  const m = await measure(post);
  rows.push({ task, tool: 'hermetic API (warm worker)', wall: m.wall, cpu: null, note: 'CPU in a worker warmed beforehand', kind: 'hermetic' });
}

function markdownDoc(i: number): Buffer {
  const para = `Hermetic converts files **locally** (${i}); nothing leaves the machine. [Docs](https://docs.invalid/x) and \`code\`.\n\n`;
  let md = `# Document ${i}\n\n`;
  while (md.length < 10 * 1024) md += `## Section ${md.length}\n\n${para}- item one\n- item two\n\n`;
  return Buffer.from(md.slice(0, 10 * 1024));
}

async function a4(dpi: number): Promise<Buffer> {
  const w = Math.round(8.27 * dpi);
  const h = Math.round(11.69 * dpi);
  const size = Math.round(dpi / 5);
  const lines = Array.from({ length: 28 }, (_, i) => `<text x="${size * 3}" y="${size * 5 + i * size * 1.8}" font-family="DejaVu Sans" font-size="${size}">Line ${i + 1}: Hermetic reads this page offline, nothing leaves.</text>`).join('');
  return sharp(Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="100%" height="100%" fill="white"/>${lines}</svg>`)).png().toBuffer();
}

console.log(`hermetic vs peers — node ${process.version}, ${cores} CPUs; times are one run each (the machine's other load included)`);

// photos ---------------------------------------------------------------------------------------
if (want('photos')) {
  const n = Number(values.photos);
  const task = `${n} photos PNG→WebP`;
  const png = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: { r: 90, g: 120, b: 160 }, noise: { type: 'gaussian', mean: 128, sigma: 30 } } }).png({ compressionLevel: 1 }).toBuffer();
  const inDir = join(dir, 'photos');
  mkdirSync(inDir);
  const inputs = Array.from({ length: n }, (_, i) => join(inDir, `p${String(i).padStart(3, '0')}.png`));
  for (const p of inputs) writeFileSync(p, png);
  const floorOut = join(dir, 'floor-photos');
  mkdirSync(floorOut);
  await inProcess(png, 'png', 'webp', { quality: 80 });
  let best: { wall: number; cpu: number } | null = null;
  for (const threads of [1, cores]) {
    sharp.concurrency(threads);
    const m = await measure(() => lanes(n, cores, async (i) => { writeFileSync(join(floorOut, `${i}.webp`), await inProcess(readFileSync(inputs[i]!), 'png', 'webp', { quality: 80 })); }));
    if (!best || m.wall < best.wall) best = m;
  }
  rows.push({ task, tool: 'sharp in-process (floor)', ...best!, kind: 'floor' });
  mkdirSync(join(dir, 'out-vips'));
  await peer(task, '`vips webpsave` per file', which('vips'), 'vips (libvips-tools)', (bin) => lanes(n, cores, (i) => run(bin, ['webpsave', inputs[i]!, join(dir, 'out-vips', `${i}.webp`), '--Q', '80'])));
  await peer(task, 'ImageMagick `mogrify`', which('mogrify'), 'mogrify (imagemagick)', async (bin) => { mkdirSync(join(dir, 'out-im'), { recursive: true }); await run(bin, ['-path', join(dir, 'out-im'), '-format', 'webp', '-quality', '80', ...inputs]); });
  await hermeticCli(task, inputs, 'webp', ['quality=80']);
}

// Markdown -------------------------------------------------------------------------------------
if (want('md1') || want('md100')) {
  const mdDir = join(dir, 'md');
  mkdirSync(mdDir);
  const docs = Array.from({ length: 100 }, (_, i) => { const p = join(mdDir, `doc${i}.md`); writeFileSync(p, markdownDoc(i)); return p; });
  for (let i = 0; i < 20; i++) await inProcess(markdownDoc(i), 'md', 'html'); // a warm process: the floor
  const pandoc = which('pandoc');
  if (want('md1')) {
    const task = 'Markdown 10 KB → HTML ×1';
    rows.push({ task, tool: 'markdown-it in-process (floor)', ...(await measure(() => inProcess(markdownDoc(0), 'md', 'html'))), kind: 'floor' });
    await peer(task, '`pandoc`', pandoc, 'pandoc', (bin) => run(bin, ['-f', 'markdown', '-t', 'html', docs[0]!, '-o', join(dir, 'p0.html')]));
    await hermeticCli(task, [docs[0]!], 'html');
    await api(task, markdownDoc(0), 'to=html&name=doc.md');
  }
  if (want('md100')) {
    const task = 'Markdown 10 KB → HTML ×100';
    rows.push({ task, tool: 'markdown-it in-process (floor)', ...(await measure(async () => { for (let i = 0; i < 100; i++) await inProcess(readFileSync(docs[i]!), 'md', 'html'); })), kind: 'floor' });
    await peer(task, '`pandoc` per file', pandoc, 'pandoc', (bin) => lanes(100, cores, (i) => run(bin, ['-f', 'markdown', '-t', 'html', docs[i]!, '-o', join(dir, `p${i}.html`)])));
    await hermeticCli(task, docs, 'html');
  }
}

// CSV ------------------------------------------------------------------------------------------
if (want('csv')) {
  const task = 'CSV 10 000 rows → JSON';
  const csv = Buffer.from('id,name,city,qty,price\n' + Array.from({ length: 10_000 }, (_, i) => `${i},item ${i},City ${i % 97},${i % 17},${(i * 1.37).toFixed(2)}`).join('\n') + '\n');
  const file = join(dir, 'table.csv');
  writeFileSync(file, csv);
  await inProcess(csv, 'csv', 'json');
  rows.push({ task, tool: 'papaparse in-process (floor)', ...(await measure(() => inProcess(csv, 'csv', 'json'))), kind: 'floor' });
  await peer(task, 'Python csv + json', which('python3'), 'python3', (bin) => run(bin, ['-c', 'import csv,json,sys; json.dump(list(csv.DictReader(open(sys.argv[1]))), open(sys.argv[2], "w"), indent=2)', file, join(dir, 'table-py.json')]));
  await hermeticCli(task, [file], 'json');
  await api(task, csv, 'to=json&name=table.csv');
}

// OCR ------------------------------------------------------------------------------------------
for (const dpi of [150, 300]) {
  if (!want(`ocr${dpi}`)) continue;
  const task = `OCR A4 page at ${dpi} dpi`;
  const page = await a4(dpi);
  const file = join(dir, `page${dpi}.png`);
  writeFileSync(file, page);
  // tesseract.js in-process, as a script would use it: start the engine, recognise, stop.
  rows.push({ task, tool: 'tesseract.js in-process (floor)', ...(await measure(async () => {
    const w = await createWorker('eng', OEM.LSTM_ONLY, { langPath: ENG_LANG_PATH, gzip: true, cacheMethod: 'none' });
    await w.recognize(page);
    await w.terminate();
  })), kind: 'floor' });
  await peer(task, 'native `tesseract`', which('tesseract'), 'tesseract (tesseract-ocr)', (bin) => run(bin, [file, join(dir, `t${dpi}`)]));
  await hermeticCli(task, [file], 'txt');
  await api(task, page, 'to=txt&name=page.png');
}

// PDF ------------------------------------------------------------------------------------------
if (want('pdf')) {
  const task = 'PDF 20 pages → text';
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let p = 0; p < 20; p++) {
    const page = doc.addPage([595, 842]);
    for (let l = 0; l < 45; l++) page.drawText(`Page ${p + 1}, line ${l + 1}: Hermetic extracts this text offline; nothing leaves the machine.`, { x: 40, y: 800 - l * 17, size: 10, font });
  }
  const pdf = Buffer.from(await doc.save());
  const file = join(dir, 'doc.pdf');
  writeFileSync(file, pdf);
  await inProcess(pdf, 'pdf', 'txt');
  rows.push({ task, tool: 'pdfjs in-process (floor)', ...(await measure(() => inProcess(pdf, 'pdf', 'txt'))), kind: 'floor' });
  await peer(task, '`pdftotext`', which('pdftotext'), 'pdftotext (poppler-utils)', (bin) => run(bin, [file, join(dir, 'doc.txt')]));
  await hermeticCli(task, [file], 'txt');
  await api(task, pdf, 'to=txt&name=doc.pdf');
}

if (server) await server.close();
rmSync(dir, { recursive: true, force: true });

// Report ---------------------------------------------------------------------------------------
const fmt = (x: number | null): string => (x === null ? '—' : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(0)} ms`);
const tasks = [...new Set(rows.map((r) => r.task))];
const lines: string[] = [];
lines.push('| task | tool | wall | CPU | × floor | × best peer |', '| --- | --- | ---: | ---: | ---: | ---: |');
for (const t of tasks) {
  const rs = rows.filter((r) => r.task === t);
  const floor = rs.find((r) => r.kind === 'floor')?.wall ?? null;
  const peers = rs.filter((r) => r.kind === 'peer' && r.wall !== null).map((r) => r.wall!);
  const bestPeer = peers.length ? Math.min(...peers) : null;
  for (const r of rs) {
    const xf = r.wall !== null && floor ? `${(r.wall / floor).toFixed(2)}×` : '—';
    const xp = r.wall !== null && bestPeer && r.kind !== 'peer' ? `${(r.wall / bestPeer).toFixed(2)}×` : r.kind === 'peer' && r.wall !== null && bestPeer ? `${(r.wall / bestPeer).toFixed(2)}×` : '—';
    lines.push(`| ${t} | ${r.tool} | ${fmt(r.wall)} | ${fmt(r.cpu)} | ${xf} | ${xp}${r.note ? ` (${r.note})` : ''} |`);
  }
}
console.log(values.markdown ? lines.join('\n') : lines.map((l) => l.replace(/^\| | \|$/g, '').split(' | ').map((c, i) => (i < 2 ? c.padEnd(i ? 36 : 28) : c.padStart(10))).join(' ')).join('\n'));
