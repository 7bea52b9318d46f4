// LibreOffice under the real jail, end to end: `hermetic convert report.docx --to pdf`, every
// office pair on documents made by this test (validated with pdfinfo / unzip -t / file), hostile
// documents (a DOCX linking an image on a URL and carrying a VBA project; an ODT with a remote OLE
// link, a linked image, a linked section and a Basic macro on load) that still convert, with what
// they pointed at reported and a loopback canary seeing nothing — and the positive controls: the
// same documents through LibreOffice outside the jail DO reach the canary; through the jail with no
// protective profile, the attempt is refused and recorded by seccomp. A missing LibreOffice is a
// clean UNAVAILABLE with the apt packages, in the API and on submit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn as cpSpawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn as jailSpawn, probe } from '../../src/isolation/jail/index.js';
import { createMonitor } from '../../src/isolation/monitor/index.js';
import type { NewSecurityEvent } from '../../src/events/index.js';
import { ConvertService, ConvertError, type ConvertServiceOptions, type JobView } from '../../src/convert/index.js';
import { detectSystemTools, officeHelperPath, type SystemToolsReport } from '../../src/convert/system-tools.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger, startServer } from '../../src/server/index.js';
import { renderSarif, renderTable, type AuditReport, type SystemToolEntry } from '../../src/audit/index.js';
import { startCanary, settle, type Canary } from '../helpers/canary.js';
import { cliPath, testNode } from '../helpers/paths.js';
import { docxLinkingImage, odtReachingOut, pagedDocx, rtf } from '../helpers/office-fixtures.js';
import { xlsx } from '../unit/convert-fixtures.js';
import { validators } from '../helpers/validate.js';

const caps = probe();
const kernelLayer = caps.helperBuilt && (caps.layers.namespace.available || caps.layers.seccomp.available);
const noJail = kernelLayer ? false : `no kernel jail layer here (${caps.layers.namespace.reason}; ${caps.layers.seccomp.reason})`;
const tools: SystemToolsReport = await detectSystemTools({ spawn: jailSpawn });
const lo = tools.tools.find((t) => t.id === 'libreoffice')!;
const pandoc = tools.tools.find((t) => t.id === 'pandoc')!;
const noOffice = noJail || (lo.available ? false : `LibreOffice is not available here: ${lo.reason}`);

let dataDir: string;
let work: string;
let canary: Canary;
let svc: ConvertService;
const events: NewSecurityEvent[] = [];
let monitor: ReturnType<typeof createMonitor>;

function config(over: Partial<ConvertServiceOptions['config']> = {}): ConvertServiceOptions['config'] {
  return { dataDir, strictness: 'strict', jobTimeoutMs: 120_000, workerMemoryMb: 512, poolSize: 2, logFileNames: false, killGraceMs: 500, resultTtlMs: 60_000, ...over };
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'hermetic-office-'));
  work = mkdtempSync(join(tmpdir(), 'hermetic-office-work-'));
  canary = await startCanary();
  monitor = createMonitor({ config: { strictness: 'strict', monitorIntervalMs: 60_000, violationThreshold: 3, killGraceMs: 500 }, store: { record: (e) => { events.push(e); } } });
  monitor.start();
  // Strict: any attempt would kill the job at once — a hostile document must convert anyway,
  // because nothing in the jailed office even tries.
  svc = new ConvertService({ config: config(), spawn: jailSpawn, monitor, nodePath: testNode, prewarm: noOffice ? [] : ['office'], readyTimeoutMs: 60_000 });
  svc.start();
});
after(async () => {
  await svc.close();
  monitor.stop();
  await canary.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

// ---- validation with the system's own tools ----------------------------------------------------

const v = (): ReturnType<typeof validators> => validators(work);
const pdfPages = (d: Buffer): number => v().pdfPages(d);
const zipIntact = (d: Buffer): void => v().zipIntact(d);
const fileKind = (d: Buffer): string => v().fileKind(d);

const KIND: Record<string, RegExp> = {
  odt: /OpenDocument Text/, ods: /OpenDocument Spreadsheet/, odp: /OpenDocument Presentation/,
  docx: /Microsoft Word 2007\+/, xlsx: /Microsoft Excel 2007\+/, pptx: /Microsoft PowerPoint 2007\+/,
};

/** Check a result by its format: page count for PDF, archive integrity and type for the rest. */
function validate(to: string, data: Buffer): void {
  if (to === 'pdf') { assert.ok(pdfPages(data) >= 1, 'a PDF with pages'); return; }
  zipIntact(data);
  assert.match(fileKind(data), KIND[to]!);
}

async function convert(data: Buffer, name: string, to: string, extra: { converter?: string; options?: Record<string, unknown> } = {}): Promise<{ job: JobView; out: Buffer }> {
  const job = await svc.convert({ data, name, to, ...extra });
  assert.equal(job.status, 'succeeded', `${name} → ${to}: ${JSON.stringify(job.error)}`);
  const out = readFileSync(svc.result(job.id).path);
  svc.discardResult(job.id);
  return { job, out };
}

/**
 * LibreOffice through the driver, OUTSIDE the jail, with a default profile (positive controls;
 * legacy doc/xls/ppt fixtures). Spreadsheets take the driver's command-line mode, as in production.
 */
function bareOffice(input: Buffer, ext: string, format: string): Promise<{ line: string; out: Buffer | null }> {
  const dir = mkdtempSync(join(work, 'bare-'));
  const profile = join(dir, 'profile');
  const inFile = join(dir, `in.${ext}`);
  writeFileSync(inFile, input);
  const desktop = ['xlsx', 'xls', 'ods'].includes(ext);
  const outFile = desktop ? join(dir, 'out', `in.${format}`) : join(dir, `out.${format}`);
  if (desktop) mkdirSync(join(dir, 'out'));
  const args = desktop ? ['desktop', String(lo.detail.programDir), profile, inFile, join(dir, 'out'), format] : ['lok', String(lo.detail.programDir), profile];
  const p = cpSpawn(officeHelperPath, args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, TMPDIR: dir, SAL_USE_VCLPLUGIN: 'svp' }, stdio: ['pipe', 'pipe', 'ignore'] });
  let text = '';
  p.stdout.on('data', (b: Buffer) => { text += b.toString(); });
  p.stdin.on('error', () => {}); // the command-line mode does not read it
  p.stdin.end(desktop ? '' : `${inFile}\t${outFile}\t${format}\n`);
  // A canary that never answers keeps LibreOffice waiting on its fetch: bounded.
  const timer = setTimeout(() => p.kill('SIGKILL'), 90_000);
  return new Promise((resolve) => p.on('close', () => {
    clearTimeout(timer);
    const line = text.trim().split('\n').pop() ?? '';
    let out: Buffer | null = null;
    try { out = readFileSync(outFile); } catch { out = null; }
    resolve({ line, out });
  }));
}

// ---- the "done when" -------------------------------------------------------------------

test('`hermetic convert report.docx --to pdf`: a valid 10-page PDF, through LibreOffice, under the jail', { skip: noOffice }, async () => {
  const dir = mkdtempSync(join(work, 'cli-'));
  writeFileSync(join(dir, 'report.docx'), await pagedDocx(10));
  const r = spawnSync(testNode, [cliPath, 'convert', join(dir, 'report.docx'), '--to', 'pdf', '-v', '--strictness', 'strict', '--data-dir', join(dir, 'data')], { encoding: 'utf8', timeout: 170_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), join(dir, 'report.pdf'));
  assert.match(r.stderr, /'libreoffice' \(docx → pdf\)/);
  assert.match(r.stderr, /worker isolation: .*namespace.*seccomp|worker isolation: .*seccomp/);
  assert.equal(pdfPages(readFileSync(join(dir, 'report.pdf'))), 10);
});

// ---- every office pair, on documents made here -----------------------------------------------

test('LibreOffice, Writer: docx/odt/rtf/doc → pdf, docx ↔ odt (and doc, rtf → docx/odt)', { skip: noOffice }, async () => {
  const docx = await pagedDocx(2, 'Writer check');
  const { job, out: pdf } = await convert(docx, 'w.docx', 'pdf');
  assert.equal(job.converter, 'libreoffice');
  assert.equal(job.family, 'office');
  assert.ok(job.layers.includes('seccomp') || job.layers.includes('namespace'), job.layers.join());
  assert.equal(job.info?.['tool'], lo.version);
  assert.equal(pdfPages(pdf), 2);
  const { out: odt } = await convert(docx, 'w.docx', 'odt');
  validate('odt', odt);
  const { out: back } = await convert(odt, 'w.odt', 'docx');
  validate('docx', back);
  validate('pdf', (await convert(odt, 'w.odt', 'pdf')).out);
  const rtfDoc = rtf('Rich text from the test');
  validate('pdf', (await convert(rtfDoc, 'w.rtf', 'pdf')).out);
  validate('odt', (await convert(rtfDoc, 'w.rtf', 'odt')).out);
  const legacy = await bareOffice(docx, 'docx', 'doc');
  assert.equal(legacy.line, 'ok');
  assert.match(fileKind(legacy.out!), /Composite Document File|Microsoft Word/);
  validate('pdf', (await convert(legacy.out!, 'w.doc', 'pdf')).out);
  validate('docx', (await convert(legacy.out!, 'w.doc', 'docx')).out);
});

test('LibreOffice, Calc: xlsx/ods/xls → pdf, xlsx ↔ ods', { skip: noOffice }, async () => {
  const book = await xlsx([['name', 'count'], ['a', 1], ['b', 2]]);
  validate('pdf', (await convert(book, 'c.xlsx', 'pdf')).out);
  const { out: ods } = await convert(book, 'c.xlsx', 'ods');
  validate('ods', ods);
  validate('xlsx', (await convert(ods, 'c.ods', 'xlsx')).out);
  validate('pdf', (await convert(ods, 'c.ods', 'pdf')).out);
  const legacy = await bareOffice(book, 'xlsx', 'xls');
  assert.equal(legacy.line, 'ok');
  validate('pdf', (await convert(legacy.out!, 'c.xls', 'pdf')).out);
  validate('ods', (await convert(legacy.out!, 'c.xls', 'ods')).out);
});

test('LibreOffice, Impress: pptx/odp/ppt → pdf, pptx ↔ odp', { skip: noOffice || (pandoc.available ? false : `the PPTX fixture is made with pandoc: ${pandoc.reason}`) }, async () => {
  const dir = mkdtempSync(join(work, 'pptx-'));
  writeFileSync(join(dir, 's.md'), '# Slide one\n\nHermetic\n\n# Slide two\n\nOffline\n');
  const made = spawnSync(pandoc.path!, [join(dir, 's.md'), '-o', join(dir, 's.pptx')], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const pptx = readFileSync(join(dir, 's.pptx'));
  assert.equal(pdfPages((await convert(pptx, 's.pptx', 'pdf')).out), 2);
  const { out: odp } = await convert(pptx, 's.pptx', 'odp');
  validate('odp', odp);
  validate('pptx', (await convert(odp, 's.odp', 'pptx')).out);
  validate('pdf', (await convert(odp, 's.odp', 'pdf')).out);
  const legacy = await bareOffice(pptx, 'pptx', 'ppt');
  assert.equal(legacy.line, 'ok');
  validate('pdf', (await convert(legacy.out!, 's.ppt', 'pdf')).out);
});

// ---- hostile documents --------------------------------------------------------------------------

const url = (): string => `http://${canary.host}:${canary.tcpPort}/`;
const jobEvents = (id: string): NewSecurityEvent[] => events.filter((e) => e.details['jobId'] === id && e.type !== 'monitor_started');

test('hostile DOCX (image linked to a URL, VBA project): converts; the link and the macros are reported; nothing is fetched (strict)', { skip: noOffice }, async () => {
  const hits = canary.hits;
  const { job, out } = await convert(await docxLinkingImage(`${url()}tracker.png`), 'hostile.docx', 'pdf');
  assert.ok(pdfPages(out) >= 1);
  assert.ok(job.warnings.includes(`remote image not fetched: ${canary.host}:${canary.tcpPort}`), job.warnings.join(' | '));
  assert.ok(job.warnings.includes('macros were not run (VBA project)'), job.warnings.join(' | '));
  await settle();
  assert.equal(canary.hits, hits, 'the canary saw nothing');
  assert.deepEqual(jobEvents(job.id), [], 'the office did not even try (no attempt for the jail to refuse)');
});

test('hostile ODT (remote OLE object, linked image and section, Basic macro on load): converts; all reported; nothing fetched (strict)', { skip: noOffice }, async () => {
  const hits = canary.hits;
  const { job, out } = await convert(await odtReachingOut(url()), 'hostile.odt', 'pdf');
  assert.ok(pdfPages(out) >= 1);
  const at = `${canary.host}:${canary.tcpPort}`;
  for (const w of [`remote object not fetched: ${at}`, `remote image not fetched: ${at}`, `remote section not fetched: ${at}`, 'macros were not run (Basic modules, event bound to a macro)']) {
    assert.ok(job.warnings.includes(w), `${w} in ${job.warnings.join(' | ')}`);
  }
  await settle();
  assert.equal(canary.hits, hits, 'the canary saw nothing');
  assert.deepEqual(jobEvents(job.id), []);
});

test('positive control: the same DOCX and ODT through LibreOffice outside the jail, with a default profile, DO reach the canary', { skip: noOffice }, async () => {
  // (The canary accepts and never answers, so LibreOffice may give up on the document: only the
  // connections count here.)
  const before = canary.tcpConnections;
  await bareOffice(await docxLinkingImage(`${url()}tracker.png`), 'docx', 'pdf');
  await settle();
  const afterDocx = canary.tcpConnections;
  assert.ok(afterDocx > before, `the linked image was fetched (${afterDocx - before} connections)`);
  await bareOffice(await odtReachingOut(url()), 'odt', 'pdf');
  await settle();
  assert.ok(canary.tcpConnections > afterDocx, 'the OLE link / linked image were fetched');
});

test('the jail, alone: LibreOffice with a default profile tries the ODT\'s links; seccomp refuses and records it; the document converts and the canary sees nothing', { skip: noOffice }, async () => {
  const dir = mkdtempSync(join(work, 'wall-'));
  const profile = join(dir, 'profile');
  mkdirSync(profile);
  writeFileSync(join(dir, 'in.odt'), await odtReachingOut(url()));
  const wallEvents: NewSecurityEvent[] = [];
  const m = createMonitor({ config: { strictness: 'standard', monitorIntervalMs: 60_000, violationThreshold: 1000, killGraceMs: 500 }, store: { record: (e) => { wallEvents.push(e); } } });
  m.start();
  const hits = canary.hits;
  try {
    const h = await jailSpawn(officeHelperPath, ['lok', String(lo.detail.programDir), profile], {
      cwd: dir, env: { HOME: dir, TMPDIR: dir, SAL_USE_VCLPLUGIN: 'svp' }, allowWrite: [dir], stdio: ['pipe', 'pipe', 'ignore'], node: false, tripwire: false, timeoutMs: 120_000,
    });
    const detach = m.attachJail(h, 'wall-job');
    let text = '';
    h.child.stdout!.on('data', (b: Buffer) => { text += b.toString(); });
    h.child.stdin!.end(`${join(dir, 'in.odt')}\t${join(dir, 'out.pdf')}\tpdf\n`);
    const ex = await h.exited;
    detach();
    assert.equal(ex.code, 0, text);
    assert.match(text, /\nok\n?$/);
    assert.ok(pdfPages(readFileSync(join(dir, 'out.pdf'))) >= 1);
    const inet = h.attempts.filter((a) => a.syscall === 'socket' && (a.family === 'AF_INET' || a.family === 'AF_INET6'));
    assert.ok(inet.length >= 1, `seccomp reported the fetch: ${JSON.stringify(h.attempts)}`);
    assert.ok(inet.every((a) => a.errno === 'EPERM'));
    assert.ok(wallEvents.some((e) => e.type === 'network_attempt' && e.details['detector'] === 'seccomp' && e.details['jobId'] === 'wall-job'), 'recorded as a security event');
    assert.ok(!h.attempts.some((a) => a.path === '/var/run/nscd/socket'), 'no name-service noise: the driver skips nscd');
    await settle();
    assert.equal(canary.hits, hits, 'the canary saw nothing');
  } finally { m.stop(); }
});

// ---- missing LibreOffice ------------------------------------------------------------------------

test('LibreOffice missing (PATH without it): the API lists it unavailable with the apt packages; a docx → pdf job is UNAVAILABLE; positive control with the real PATH', { skip: noJail }, async () => {
  const emptyBin = mkdtempSync(join(work, 'bin-'));
  const dir = mkdtempSync(join(tmpdir(), 'hermetic-office-api-'));
  const cfg = loadConfig({ env: {}, flags: { dataDir: dir, port: 0, poolSize: 1, jobTimeoutMs: 60_000, workerMemoryMb: 512, logLevel: 'silent' } });
  const servers: { close(): Promise<void> }[] = [];
  const serve = async (toolsPath?: string): Promise<{ base: string; auth: Record<string, string>; svc: ConvertService }> => {
    let s!: ConvertService;
    const srv = await startServer(cfg, {
      logger: createLogger({ ...cfg, logLevel: 'silent' }), runtimeFile: false,
      setup: (ctx) => { s = new ConvertService({ config: cfg, spawn: jailSpawn, store: ctx.store, nodePath: testNode, prewarm: [], ...(toolsPath !== undefined ? { toolsPath } : {}) }); s.start(); ctx.jobs = s; return () => s.close(); },
    });
    servers.push(srv);
    return { base: srv.url.replace(/\/$/, ''), auth: { authorization: `Bearer ${srv.ctx.token}` }, svc: s };
  };
  try {
    const missing = await serve(emptyBin);
    const body = await (await fetch(`${missing.base}/api/converters`, { headers: missing.auth })).json() as { converters: { id: string; available?: boolean; reason?: string; pairs: [string, string][] }[]; pairs: { from: string; to: string; converter: string }[]; systemTools: { id: string; available: boolean; reason: string }[] };
    const c = body.converters.find((x) => x.id === 'libreoffice')!;
    assert.equal(c.available, false);
    assert.match(c.reason ?? '', /not installed.*sudo apt install libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui/);
    assert.deepEqual(c.pairs, []);
    assert.ok(!body.pairs.some((p) => p.from === 'docx' && p.to === 'pdf'), 'the UI is not offered docx → pdf');
    assert.equal(body.systemTools.find((t) => t.id === 'libreoffice')?.available, false);
    // Over HTTP: a clean 503 UNAVAILABLE with the hint.
    const res = await fetch(`${missing.base}/api/convert?to=pdf&name=r.docx`, { method: 'POST', headers: { ...missing.auth, 'content-type': 'application/octet-stream' }, body: await pagedDocx(1) });
    assert.equal(res.status, 503);
    const err = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(err.error.code, 'UNAVAILABLE');
    assert.match(err.error.message, /apt install libreoffice-writer-nogui/);
    // Direct submit, once detection is known: refused up front, no worker spent.
    await missing.svc.systemTools();
    assert.throws(() => missing.svc.submit({ data: Buffer.from('x'), name: 'r.docx', to: 'pdf' }), (e: unknown) => e instanceof ConvertError && e.code === 'UNAVAILABLE' && /apt install/.test(e.message));
    if (noOffice) return;
    // Positive control: with LibreOffice on PATH it is listed and offered.
    const present = await serve();
    const ok = await (await fetch(`${present.base}/api/converters`, { headers: present.auth })).json() as typeof body;
    assert.equal(ok.converters.find((x) => x.id === 'libreoffice')?.available, true);
    assert.equal(ok.pairs.find((p) => p.from === 'docx' && p.to === 'pdf')?.converter, 'libreoffice');
    assert.match(ok.systemTools.find((t) => t.id === 'libreoffice')?.reason ?? '', /LibreOffice \d/);
  } finally {
    for (const s of servers) await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---- the audit's system-tools section ------------------------------------------------------------

test('`hermetic audit` lists the system tools with their versions (JSON from the CLI; the same report as table and SARIF); --no-system-tools leaves them out', { skip: noJail }, () => {
  const run = (...args: string[]) => spawnSync(testNode, [cliPath, 'audit', '--prod', ...args], { encoding: 'utf8', timeout: 170_000 });
  const json = run('--json');
  assert.ok(json.status === 0 || json.status === 1, json.stderr);
  const report = JSON.parse(json.stdout) as AuditReport;
  assert.deepEqual(report.systemTools?.map((e) => e.id), ['libreoffice', 'pandoc', 'imagemagick', 'qpdf', 'tesseract']);
  for (const t of tools.tools) {
    const got: SystemToolEntry = report.systemTools!.find((x) => x.id === t.id)!;
    assert.equal(got.available, t.available);
    assert.equal(got.version, t.version);
    assert.ok(got.apt.length > 0);
  }
  // The other two formats are rendered from this same report object.
  assert.equal((renderSarif(report).runs[0]!.properties['systemTools'] as unknown[]).length, 5);
  const table = renderTable(report);
  assert.match(table, /System tools \(programs the office\/system converters run/);
  for (const t of tools.tools) assert.ok(table.includes(t.available ? t.version! : 'NOT AVAILABLE'), `${t.name} in the table`);
  const without = JSON.parse(run('--json', '--no-system-tools').stdout) as AuditReport;
  assert.equal(without.systemTools, undefined);
});
