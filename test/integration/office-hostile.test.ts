// LibreOffice under the real jail (3/3): hostile documents — a DOCX linking an image on a URL and
// carrying a VBA project; an ODT with a remote OLE link, a linked image, a linked section and a
// Basic macro on load — still convert (strict mode), with what they pointed at reported and a
// loopback canary seeing nothing. Positive controls: the same documents through LibreOffice
// outside the jail DO reach the canary; through the jail with no protective profile, the fetch
// is refused and recorded by seccomp. A missing LibreOffice is a clean UNAVAILABLE with the apt
// packages, in the API and on submit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn as jailSpawn } from '../../src/isolation/jail/index.js';
import { createMonitor } from '../../src/isolation/monitor/index.js';
import type { NewSecurityEvent } from '../../src/events/index.js';
import { ConvertService, ConvertError } from '../../src/convert/index.js';
import { officeHelperPath } from '../../src/convert/system-tools.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger, startServer } from '../../src/server/index.js';
import { settle } from '../helpers/canary.js';
import { testNode } from '../helpers/paths.js';
import { docxLinkingImage, odtReachingOut, pagedDocx } from '../helpers/office-fixtures.js';
import { bareOffice, jailed, noJail, openHarness, tool, type Harness } from '../helpers/system-harness.js';

const lo = tool('libreoffice');
const skip = jailed('libreoffice');
let h: Harness;
before(async () => { h = await openHarness('office-hostile', ['office']); });
after(async () => { await h.close(); });

test('hostile DOCX (image linked to a URL, VBA project): converts; the link and the macros are reported; nothing is fetched (strict)', { skip }, async () => {
  const hits = h.canary.hits;
  const { job, out } = await h.convert(await docxLinkingImage(`${h.url()}tracker.png`), 'hostile.docx', 'pdf');
  assert.ok(h.pdfPages(out) >= 1);
  assert.ok(job.warnings.includes(`remote image not fetched: ${h.at()}`), job.warnings.join(' | '));
  assert.ok(job.warnings.includes('macros were not run (VBA project)'), job.warnings.join(' | '));
  await settle();
  assert.equal(h.canary.hits, hits, 'the canary saw nothing');
  assert.deepEqual(h.jobEvents(job.id), [], 'the office did not even try (no attempt for the jail to refuse)');
});

test('hostile ODT (remote OLE object, linked image and section, Basic macro on load): converts; all reported; nothing fetched (strict)', { skip }, async () => {
  const hits = h.canary.hits;
  const { job, out } = await h.convert(await odtReachingOut(h.url()), 'hostile.odt', 'pdf');
  assert.ok(h.pdfPages(out) >= 1);
  for (const w of [`remote object not fetched: ${h.at()}`, `remote image not fetched: ${h.at()}`, `remote section not fetched: ${h.at()}`, 'macros were not run (Basic modules, event bound to a macro)']) {
    assert.ok(job.warnings.includes(w), `${w} in ${job.warnings.join(' | ')}`);
  }
  await settle();
  assert.equal(h.canary.hits, hits, 'the canary saw nothing');
  assert.deepEqual(h.jobEvents(job.id), []);
});

test('positive control: the same DOCX and ODT through LibreOffice outside the jail, with a default profile, DO reach the canary', { skip }, async () => {
  const before = h.canary.tcpConnections;
  await bareOffice(h.work, await docxLinkingImage(`${h.url()}tracker.png`), 'docx', 'pdf', () => h.canary.tcpConnections > before);
  await settle();
  const afterDocx = h.canary.tcpConnections;
  assert.ok(afterDocx > before, 'the linked image was fetched');
  await bareOffice(h.work, await odtReachingOut(h.url()), 'odt', 'pdf', () => h.canary.tcpConnections > afterDocx);
  await settle();
  assert.ok(h.canary.tcpConnections > afterDocx, 'the OLE link / linked image were fetched');
});

test('the jail, alone: LibreOffice with a default profile tries the ODT\'s links; seccomp refuses and records it; the document converts and the canary sees nothing', { skip }, async () => {
  const dir = mkdtempSync(join(h.work, 'wall-'));
  const profile = join(dir, 'profile');
  mkdirSync(profile);
  writeFileSync(join(dir, 'in.odt'), await odtReachingOut(h.url()));
  const wallEvents: NewSecurityEvent[] = [];
  const m = createMonitor({ config: { strictness: 'standard', monitorIntervalMs: 60_000, violationThreshold: 1000, killGraceMs: 500 }, store: { record: (e) => { wallEvents.push(e); } } });
  m.start();
  const hits = h.canary.hits;
  try {
    const j = await jailSpawn(officeHelperPath, ['lok', String(lo.detail.programDir), profile], {
      cwd: dir, env: { HOME: dir, TMPDIR: dir, SAL_USE_VCLPLUGIN: 'svp' }, allowWrite: [dir], stdio: ['pipe', 'pipe', 'ignore'], node: false, tripwire: false, timeoutMs: 120_000,
    });
    const detach = m.attachJail(j, 'wall-job');
    let text = '';
    j.child.stdout!.on('data', (b: Buffer) => { text += b.toString(); });
    j.child.stdin!.end(`${join(dir, 'in.odt')}\t${join(dir, 'out.pdf')}\tpdf\n`);
    const ex = await j.exited;
    detach();
    assert.equal(ex.code, 0, text);
    assert.match(text, /\nok\n?$/);
    assert.ok(h.pdfPages(readFileSync(join(dir, 'out.pdf'))) >= 1);
    // Reported at socket() or, where the jail lets the socket be made to learn the destination, at connect().
    const inet = j.attempts.filter((a) => (a.syscall === 'socket' || a.syscall === 'connect') && (a.family === 'AF_INET' || a.family === 'AF_INET6'));
    assert.ok(inet.length >= 1, `seccomp reported the fetch: ${JSON.stringify(j.attempts)}`);
    assert.ok(inet.every((a) => a.errno === 'EPERM'));
    assert.ok(wallEvents.some((e) => e.type === 'network_attempt' && e.details['detector'] === 'seccomp' && e.details['jobId'] === 'wall-job'), 'recorded as a security event');
    assert.ok(!j.attempts.some((a) => a.path === '/var/run/nscd/socket'), 'no name-service noise: the driver skips nscd');
    await settle();
    assert.equal(h.canary.hits, hits, 'the canary saw nothing');
  } finally { m.stop(); }
});

test('LibreOffice missing (PATH without it): the API lists it unavailable with the apt packages; a docx → pdf job is UNAVAILABLE; positive control with the real PATH', { skip: noJail }, async () => {
  const emptyBin = mkdtempSync(join(h.work, 'bin-'));
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
  type Listing = { converters: { id: string; available?: boolean; reason?: string; pairs: [string, string][] }[]; pairs: { from: string; to: string; converter: string }[]; systemTools: { id: string; available: boolean; reason: string }[] };
  try {
    const absent = await serve(emptyBin);
    const body = await (await fetch(`${absent.base}/api/converters`, { headers: absent.auth })).json() as Listing;
    const c = body.converters.find((x) => x.id === 'libreoffice')!;
    assert.equal(c.available, false);
    assert.match(c.reason ?? '', /not installed.*sudo apt install libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui/);
    assert.deepEqual(c.pairs, []);
    assert.ok(!body.pairs.some((p) => p.from === 'docx' && p.to === 'pdf'), 'the UI is not offered docx → pdf');
    assert.equal(body.systemTools.find((t) => t.id === 'libreoffice')?.available, false);
    // Over HTTP: a clean 503 UNAVAILABLE with the hint.
    const res = await fetch(`${absent.base}/api/convert?to=pdf&name=r.docx`, { method: 'POST', headers: { ...absent.auth, 'content-type': 'application/octet-stream' }, body: await pagedDocx(1) });
    assert.equal(res.status, 503);
    const err = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(err.error.code, 'UNAVAILABLE');
    assert.match(err.error.message, /apt install libreoffice-writer-nogui/);
    // Direct submit, once detection is known: refused up front, no worker spent.
    await absent.svc.systemTools();
    assert.throws(() => absent.svc.submit({ data: Buffer.from('x'), name: 'r.docx', to: 'pdf' }), (e: unknown) => e instanceof ConvertError && e.code === 'UNAVAILABLE' && /apt install/.test(e.message));
    if (!lo.available) return;
    // Positive control: with LibreOffice on PATH it is listed and offered.
    const present = await serve();
    const ok = await (await fetch(`${present.base}/api/converters`, { headers: present.auth })).json() as Listing;
    assert.equal(ok.converters.find((x) => x.id === 'libreoffice')?.available, true);
    assert.equal(ok.pairs.find((p) => p.from === 'docx' && p.to === 'pdf')?.converter, 'libreoffice');
    assert.match(ok.systemTools.find((t) => t.id === 'libreoffice')?.reason ?? '', /LibreOffice \d/);
  } finally {
    for (const s of servers) await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
