// DOCX → PDF (10 pages) through LibreOffice: Hermetic (jailed worker, cold and warm) against
// `soffice --convert-to pdf` run bare (fresh profile = cold, existing profile = warm), and the
// jail's own overhead on exactly the same work (the LibreOfficeKit driver started, one document
// converted, bare vs under the jail). Every figure is measured in this run; medians of --rounds.
//   npx tsc -p tsconfig.json && node dist/bench/office.js [--rounds 5] [--pages 10]
import { spawn as cpSpawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import { spawn as jailSpawn, probe } from '../src/isolation/jail/index.js';
import { ConvertService, type ConvertServiceOptions } from '../src/convert/index.js';
import { detectSystemTools, officeHelperPath } from '../src/convert/system-tools.js';
import { pagedDocx } from '../test/helpers/office-fixtures.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, pages: { type: 'string', default: '10' } } });
const rounds = Math.max(1, Number(values.rounds));
const pages = Number(values.pages);
const work = mkdtempSync(join(tmpdir(), 'hermetic-bench-office-'));
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]!; };
const show = (xs: number[]): string => `${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;

const tools = await detectSystemTools({ spawn: jailSpawn });
const lo = tools.tools.find((t) => t.id === 'libreoffice')!;
if (!lo.available) { console.log(`LibreOffice is not available here: ${lo.reason}`); process.exit(0); }
const caps = probe();
console.log(`hermetic office bench — ${lo.version}, node ${process.version}, ${cpus().length} CPUs, jail layers: ${Object.entries(caps.layers).filter(([, l]) => l.available).map(([n]) => n).join(', ') || 'none'}; ${rounds} rounds`);
const docx = await pagedDocx(pages);
const input = join(work, 'report.docx');
writeFileSync(input, docx);

function pagesOf(pdf: string): number {
  return Number(/^Pages:\s+(\d+)/m.exec(spawnSync('pdfinfo', [pdf], { encoding: 'utf8' }).stdout)?.[1] ?? 0);
}

// 1. soffice --convert-to pdf, bare -------------------------------------------------------------
function soffice(profile: string, out: string): number {
  const t = performance.now();
  const r = spawnSync(lo.path!, [`-env:UserInstallation=file://${profile}`, '--headless', '--norestore', '--convert-to', 'pdf', '--outdir', out, input], { encoding: 'utf8', timeout: 300_000 });
  const ms = performance.now() - t;
  if (r.status !== 0 || pagesOf(join(out, 'report.pdf')) !== pages) throw new Error(`soffice failed: ${r.stderr}`);
  return ms;
}
const step = (what: string): void => { process.stderr.write(`… ${what}\n`); };
step('soffice --convert-to pdf, bare');
const bareCold: number[] = [];
const bareWarm: number[] = [];
const warmProfile = join(work, 'warm-profile');
soffice(warmProfile, mkdtempSync(join(work, 'o-'))); // creates the reused profile
for (let i = 0; i < rounds; i++) {
  bareCold.push(soffice(join(work, `fresh-${i}`), mkdtempSync(join(work, 'o-'))));
  bareWarm.push(soffice(warmProfile, mkdtempSync(join(work, 'o-'))));
}

// 2. Hermetic: cold (no warm office worker) and warm (LibreOffice pre-started for the job) ------
const config = (dir: string): ConvertServiceOptions['config'] => ({ dataDir: dir, strictness: 'strict', jobTimeoutMs: 300_000, workerMemoryMb: 512, poolSize: 1, logFileNames: false, killGraceMs: 500, resultTtlMs: 60_000 });
/**
 * cold: no office worker is waiting (one is started for the job); warm: one is (LibreOffice
 * pre-started), and taking it starts its replacement at once, as in a server.
 */
async function hermetic(mode: 'cold' | 'warm'): Promise<{ ms: number[]; startMs: number[] }> {
  const svc = new ConvertService({ config: config(mkdtempSync(join(work, 'd-'))), spawn: jailSpawn, prewarm: mode === 'warm' ? ['office'] : [], replenish: mode === 'warm', readyTimeoutMs: 120_000 });
  svc.start();
  await svc.systemTools();
  const ms: number[] = [];
  const startMs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    if (mode === 'warm') while ((svc.stats().pool.families.office?.ready ?? 0) < 1) await new Promise((r) => setTimeout(r, 20));
    const t = performance.now();
    const v = await svc.convert({ data: docx, name: 'report.docx', to: 'pdf' });
    ms.push(performance.now() - t);
    if (v.status !== 'succeeded') throw new Error(JSON.stringify(v.error));
    startMs.push(Number(v.info?.['officeStartMs']));
    svc.discardResult(v.id);
  }
  await svc.close();
  return { ms, startMs };
}
step('hermetic, cold');
const cold = await hermetic('cold');
step('hermetic, warm');
const warm = await hermetic('warm');
step('the driver, bare and jailed');

// 3. The jail's overhead on the same work: the driver, bare vs jailed — LibreOffice's start
//    (LibreOfficeKit ready) and the conversion itself (what a warm job costs), timed apart.
async function driver(jailed: boolean): Promise<{ start: number; convert: number }> {
  const dir = mkdtempSync(join(work, 'drv-'));
  const profile = join(dir, 'profile');
  mkdirSync(profile);
  const out = join(dir, 'out.pdf');
  const env = { HOME: dir, TMPDIR: dir, SAL_USE_VCLPLUGIN: 'svp', PATH: process.env.PATH ?? '/usr/bin:/bin' };
  const args = ['lok', String(lo.detail.programDir), profile];
  const t = performance.now();
  const child = jailed
    ? (await jailSpawn(officeHelperPath, args, { cwd: dir, env, allowWrite: [dir], stdio: ['pipe', 'pipe', 'ignore'], node: false, tripwire: false, require: ['namespace', 'seccomp', 'landlock'] })).child
    : cpSpawn(officeHelperPath, args, { cwd: dir, env, stdio: ['pipe', 'pipe', 'ignore'] });
  const lines = createInterface({ input: child.stdout! });
  const next = (): Promise<string> => new Promise((r) => lines.once('line', r));
  if (!(await next()).startsWith('ready')) throw new Error('the driver did not start');
  const ready = performance.now();
  child.stdin!.end(`${input}\t${out}\tpdf\n`);
  if ((await next()) !== 'ok') throw new Error('the driver did not convert');
  const done = performance.now();
  await new Promise((r) => child.once('close', r));
  if (pagesOf(out) !== pages) throw new Error('the driver produced no valid PDF');
  return { start: ready - t, convert: done - ready };
}
const drvBare: { start: number; convert: number }[] = [];
const drvJail: { start: number; convert: number }[] = [];
for (let i = 0; i < rounds; i++) { drvBare.push(await driver(false)); drvJail.push(await driver(true)); }
const total = (xs: { start: number; convert: number }[]): number[] => xs.map((x) => x.start + x.convert);

console.log(`\ndocx → pdf, ${pages} pages (${(docx.length / 1024).toFixed(1)} KiB), medians of ${rounds}:`);
console.log(`  soffice --convert-to pdf, bare, fresh profile (cold)         ${show(bareCold)}`);
console.log(`  soffice --convert-to pdf, bare, existing profile (warm)      ${show(bareWarm)}`);
console.log(`  hermetic, cold: worker + LibreOffice started for the job    ${show(cold.ms)}`);
console.log(`  hermetic, warm: LibreOffice pre-started (fresh profile/job) ${show(warm.ms)}  (its start, before the job: ${show(warm.startMs)}; the replacement starts during the job)`);
console.log(`  ratios: hermetic cold / soffice cold ${(median(cold.ms) / median(bareCold)).toFixed(2)}×, hermetic warm / soffice warm ${(median(warm.ms) / median(bareWarm)).toFixed(2)}×`);
console.log(`  the jail alone, same work (the LibreOfficeKit driver, fresh profile):`);
console.log(`    start    bare ${show(drvBare.map((x) => x.start))}, jailed ${show(drvJail.map((x) => x.start))}`);
console.log(`    convert  bare ${show(drvBare.map((x) => x.convert))}, jailed ${show(drvJail.map((x) => x.convert))}  (what a warm job costs LibreOffice)`);
console.log(`    total    bare ${show(total(drvBare))}, jailed ${show(total(drvJail))} → jail overhead ratio ${(median(total(drvJail)) / median(total(drvBare))).toFixed(2)}×`);
rmSync(work, { recursive: true, force: true });
