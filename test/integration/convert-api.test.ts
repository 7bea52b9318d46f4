// The HTTP job API end to end on a real loopback server: converters list, multipart and raw
// uploads, single-download results, stable error codes, the queue's 503 + Retry-After, the
// upload limit, the token, and the strictness refusal. Workers are started by jail.spawn
// (kernel-jailed wherever the machine allows it — which CI does).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadConfig } from '../../src/config/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { createLogger } from '../../src/server/index.js';
import { spawn as jailSpawn } from '../../src/isolation/jail/index.js';
import { ConvertService, type CanConvert } from '../../src/convert/index.js';
import { fixturesDir } from '../helpers/paths.js';
import { solidPng, textPdf } from '../unit/convert-fixtures.js';
import { PDFDocument } from 'pdf-lib';
import yauzl from 'yauzl';

function unzip(buf: Buffer): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true }, (err, zf) => {
      if (err || !zf) { reject(err ?? new Error('no zip')); return; }
      const out: Record<string, string> = {};
      zf.on('entry', (e: yauzl.Entry) => {
        zf.openReadStream(e, (e2, rs) => {
          if (e2 || !rs) { reject(e2 ?? new Error('no stream')); return; }
          const chunks: Buffer[] = [];
          rs.on('data', (c: Buffer) => chunks.push(c));
          rs.on('end', () => { out[e.fileName] = Buffer.concat(chunks).toString('utf8'); zf.readEntry(); });
        });
      });
      zf.on('end', () => resolve(out));
      zf.readEntry();
    });
  });
}

interface Srv { s: RunningServer; dataDir: string; base: string; auth: Record<string, string> }
const servers: Srv[] = [];

async function start(opts: { canConvert?: CanConvert; maxQueued?: number; jobTimeoutMs?: number; resultTtlMs?: number } = {}): Promise<Srv> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hermetic-convert-api-'));
  const config = loadConfig({ env: {}, flags: { dataDir, port: 0, poolSize: 1, uploadLimitBytes: 256 * 1024, jobTimeoutMs: opts.jobTimeoutMs ?? 30_000, resultTtlMs: opts.resultTtlMs ?? 3_600_000, workerMemoryMb: 512, convertersDir: join(fixturesDir, 'convert', 'plugins'), logLevel: 'silent' } });
  const s = await startServer(config, {
    logger: createLogger({ ...config, logLevel: 'silent' }),
    runtimeFile: false,
    setup: (ctx) => {
      const svc = new ConvertService({ config, spawn: jailSpawn, store: ctx.store, canConvert: opts.canConvert, maxQueued: opts.maxQueued ?? 4 });
      svc.start();
      ctx.jobs = svc;
      return () => svc.close();
    },
  });
  const srv = { s, dataDir, base: s.url.replace(/\/$/, ''), auth: { authorization: `Bearer ${s.ctx.token}` } };
  servers.push(srv);
  return srv;
}

let srv: Srv;
before(async () => { srv = await start(); });
after(async () => { for (const x of servers) { await x.s.close(); rmSync(x.dataDir, { recursive: true, force: true }); } });

async function json(res: Response): Promise<Record<string, unknown> & { error?: { code: string; message: string }; job?: Record<string, unknown> }> {
  return (await res.json()) as Record<string, unknown> & { error?: { code: string; message: string } };
}

test('GET /api/converters lists every pair with its options schema; the token is required', async () => {
  const res = await fetch(`${srv.base}/api/converters`, { headers: srv.auth });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { converters: { id: string; pairs: [string, string][]; options: { properties?: Record<string, unknown> } }[]; pairs: { from: string; to: string; converter: string; options: { properties?: Record<string, unknown> } }[]; formats: Record<string, unknown> };
  assert.ok(body.converters.some((c) => c.id === 'ocr'));
  assert.ok(body.formats.docx);
  const pair = (from: string, to: string) => body.pairs.find((p) => p.from === from && p.to === to);
  for (const [from, to] of [['md', 'html'], ['html', 'md'], ['docx', 'txt'], ['csv', 'json'], ['json', 'csv'], ['xlsx', 'json'], ['csv', 'xlsx'], ['yaml', 'toml'], ['png', 'avif'], ['gif', 'tiff'], ['png', 'pdf'], ['pdf', 'pdf'], ['pdf', 'zip'], ['pdf', 'txt'], ['jpeg', 'txt']]) {
    assert.ok(pair(from!, to!), `${from} → ${to} is listed`);
  }
  assert.ok(pair('png', 'webp')?.options.properties?.['stripMetadata'], 'each pair carries its converter\'s options schema');
  assert.equal(pair('jpeg', 'txt')?.converter, 'ocr');
  const anon = await fetch(`${srv.base}/api/converters`);
  assert.equal(anon.status, 401);
});

test('multipart PNG → JPEG: 200 with the file itself (job id in a header); results are single-download', async () => {
  const fd = new FormData();
  fd.append('to', 'jpeg');
  fd.append('options', JSON.stringify({ width: 32 }));
  fd.append('file', new Blob([await solidPng(64, 64)]), 'red square.png');
  const res = await fetch(`${srv.base}/api/convert`, { method: 'POST', headers: srv.auth, body: fd });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/jpeg');
  assert.equal(res.headers.get('content-disposition'), 'attachment; filename="red square.jpg"');
  const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
  assert.equal(meta.format, 'jpeg');
  assert.equal(meta.width, 32);
  const id = res.headers.get('x-hermetic-job-id') ?? '';
  const job = (await json(await fetch(`${srv.base}/api/jobs/${id}`, { headers: srv.auth }))).job as { status: string; converter: string; family: string };
  assert.equal(job.status, 'succeeded');
  assert.equal(job.converter, 'image');
  assert.equal(job.family, 'image');
  const again = await fetch(`${srv.base}/api/jobs/${id}/result`, { headers: srv.auth });
  assert.equal(again.status, 410);
  assert.equal((await json(again)).error?.code, 'RESULT_GONE');
});

test('several files → one ZIP with a result per file and a report (a failure is listed, not fatal)', async () => {
  const fd = new FormData();
  fd.append('to', 'json');
  fd.append('file', new Blob(['a,b\n1,2\n']), 'one.csv');
  fd.append('file', new Blob(['k: v\n']), 'two.yaml');
  fd.append('file', new Blob(['{"broken":']), 'three.json');
  const res = await fetch(`${srv.base}/api/convert`, { method: 'POST', headers: srv.auth, body: fd });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/zip');
  assert.equal(res.headers.get('x-hermetic-failed'), '1');
  const entries = await unzip(Buffer.from(await res.arrayBuffer()));
  assert.deepEqual(Object.keys(entries).sort(), ['hermetic-report.json', 'one.json', 'two.json']);
  assert.deepEqual(JSON.parse(entries['two.json']!), { k: 'v' });
  const report = JSON.parse(entries['hermetic-report.json']!) as { files: { input: string; status: string; error?: { code: string } }[] };
  assert.deepEqual(report.files.map((f) => [f.input, f.status, f.error?.code ?? null]), [['one.csv', 'succeeded', null], ['two.yaml', 'succeeded', null], ['three.json', 'failed', 'INVALID_INPUT']]);
});

test('combine=true: several PDFs/images are the inputs of ONE job (merge)', async () => {
  const fd = new FormData();
  fd.append('to', 'pdf');
  fd.append('combine', 'true');
  fd.append('file', new Blob([await textPdf(['first'])]), 'a.pdf');
  fd.append('file', new Blob([await solidPng(20, 10)]), 'b.png');
  const res = await fetch(`${srv.base}/api/convert`, { method: 'POST', headers: srv.auth, body: fd });
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(res.headers.get('content-type'), 'application/pdf');
  assert.equal((await PDFDocument.load(Buffer.from(await res.arrayBuffer()))).getPageCount(), 2);
});

test('?async=1 → 202 {jobId}; poll; download once; Markdown remote references arrive as warnings', async () => {
  const res = await fetch(`${srv.base}/api/convert?async=1&to=html&name=n.md`, { method: 'POST', headers: { ...srv.auth, 'content-type': 'application/octet-stream' }, body: '![p](https://tracker.invalid/p.gif)\n' });
  assert.equal(res.status, 202);
  const { jobId } = (await res.json()) as { jobId: string };
  let job: { status: string; warnings: string[] } = { status: 'queued', warnings: [] };
  for (let i = 0; i < 300 && (job.status === 'queued' || job.status === 'running'); i++) {
    await new Promise((r) => setTimeout(r, 50));
    job = (await json(await fetch(`${srv.base}/api/jobs/${jobId}`, { headers: srv.auth }))).job as typeof job;
  }
  assert.equal(job.status, 'succeeded');
  assert.deepEqual(job.warnings, ['remote link (not loaded unless clicked): 1 to tracker.invalid']);
  const dl = await fetch(`${srv.base}/api/jobs/${jobId}/result`, { headers: srv.auth });
  assert.equal(dl.status, 200);
  assert.ok(!(await dl.text()).includes('<img'));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal((await fetch(`${srv.base}/api/jobs/${jobId}/result`, { headers: srv.auth })).status, 410);
});

test('a 202 job id is stored before the answer: its row exists when submitJob returns (a kill -9 right after cannot lose it)', async () => {
  // Job rows are written behind the conversion (records.ts); one whose id goes to the client in
  // a 202 is not: after a crash, GET /api/jobs/:id must still answer it (load-crash.test.ts).
  const svc = srv.s.ctx.jobs as ConvertService;
  const original = svc.submitJob.bind(svc);
  const storedAtReturn: Record<string, boolean> = {};
  svc.submitJob = (req) => {
    const view = original(req);
    storedAtReturn[view.id] = srv.s.ctx.store.jobs.get(view.id) !== null;
    return view;
  };
  try {
    const post = (q: string) => fetch(`${srv.base}/api/convert?${q}&to=json&from=yaml`, { method: 'POST', headers: { ...srv.auth, 'content-type': 'application/octet-stream' }, body: 'a: 1\n' });
    const asyncRes = await post('async=1');
    assert.equal(asyncRes.status, 202);
    const { jobId } = (await asyncRes.json()) as { jobId: string };
    const syncRes = await post('respond=json');
    assert.equal(syncRes.status, 200);
    const syncId = ((await syncRes.json()) as { job: { id: string } }).job.id;
    assert.deepEqual(storedAtReturn, { [jobId]: true, [syncId]: false },
      'the async job\'s row is written at once; a synchronous one stays deferred (positive control: the deferral is real)');
  } finally {
    svc.submitJob = original;
  }
});

test('DELETE a running job: its worker is killed, its files removed, the job ends cancelled', async () => {
  const res = await fetch(`${srv.base}/api/convert?async=1&to=txt&from=txt&converter=test-spin`, { method: 'POST', headers: { ...srv.auth, 'content-type': 'application/octet-stream' }, body: 'x' });
  const { jobId } = (await res.json()) as { jobId: string };
  for (let i = 0; i < 200; i++) {
    const j = (await json(await fetch(`${srv.base}/api/jobs/${jobId}`, { headers: srv.auth }))).job as { status: string };
    if (j.status === 'running') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const del = await fetch(`${srv.base}/api/jobs/${jobId}`, { method: 'DELETE', headers: srv.auth });
  assert.equal(((await del.json()) as { cancelled: boolean }).cancelled, true);
  let job: { status: string; error: { code: string } | null } = { status: 'running', error: null };
  for (let i = 0; i < 100 && job.status === 'running'; i++) {
    await new Promise((r) => setTimeout(r, 50));
    job = (await json(await fetch(`${srv.base}/api/jobs/${jobId}`, { headers: srv.auth }))).job as typeof job;
  }
  assert.equal(job.status, 'cancelled');
  assert.equal(job.error?.code, 'CANCELLED');
});

test('results expire after the TTL when nobody downloads them', async () => {
  const t = await start({ resultTtlMs: 1000 });
  const res = await fetch(`${t.base}/api/convert?to=json&from=yaml&respond=json`, { method: 'POST', headers: { ...t.auth, 'content-type': 'application/octet-stream' }, body: 'a: 1\n' });
  const id = ((await json(res)).job as { id: string }).id;
  await new Promise((r) => setTimeout(r, 1500));
  const dl = await fetch(`${t.base}/api/jobs/${id}/result`, { headers: t.auth });
  assert.equal(dl.status, 410);
  assert.equal((await json(dl)).error?.code, 'RESULT_GONE');
});

test('raw body CSV → JSON with query parameters; the job is listed with sizes', async () => {
  const res = await fetch(`${srv.base}/api/convert?to=json&name=list.csv&respond=json`, { method: 'POST', headers: { ...srv.auth, 'content-type': 'application/octet-stream' }, body: 'a,b\n1,2\n' });
  const body = await json(res);
  assert.equal(res.status, 200, JSON.stringify(body));
  const id = (body.job as { id: string }).id;
  const got = await json(await fetch(`${srv.base}/api/jobs/${id}`, { headers: srv.auth }));
  assert.equal((got.job as { inputBytes: number }).inputBytes, 8);
  const dl = await fetch(`${srv.base}/api/jobs/${id}/result`, { headers: srv.auth });
  assert.deepEqual(await dl.json(), [{ a: '1', b: '2' }]);
  const list = (await (await fetch(`${srv.base}/api/jobs`, { headers: srv.auth })).json()) as { jobs: { id: string }[]; stats: { pool: { size: number } } };
  assert.ok(list.jobs.some((j) => j.id === id));
  assert.equal(list.stats.pool.size, 1);
  const unknown = await fetch(`${srv.base}/api/jobs/00000000-0000-4000-8000-000000000000`, { headers: srv.auth });
  assert.equal(unknown.status, 404);
  assert.equal((await json(unknown)).error?.code, 'JOB_NOT_FOUND');
});

test('DELETE /api/jobs/:id discards an undownloaded result', async () => {
  const res = await fetch(`${srv.base}/api/convert?to=yaml&from=json&respond=json`, { method: 'POST', headers: { ...srv.auth, 'content-type': 'application/octet-stream' }, body: '{"k": 1}' });
  const id = ((await json(res)).job as { id: string }).id;
  const del = await fetch(`${srv.base}/api/jobs/${id}`, { method: 'DELETE', headers: srv.auth });
  assert.deepEqual(await del.json(), { id, cancelled: false, discarded: true });
  assert.equal((await fetch(`${srv.base}/api/jobs/${id}/result`, { headers: srv.auth })).status, 410);
});

test('bad input: 422 with a stable code and the job id; the server stays healthy', async () => {
  const res = await fetch(`${srv.base}/api/convert?to=yaml&from=json`, { method: 'POST', headers: { ...srv.auth, 'content-type': 'application/octet-stream' }, body: '{"broken": ' });
  assert.equal(res.status, 422);
  const body = await json(res);
  assert.equal(body.error?.code, 'INVALID_INPUT');
  assert.ok((body.error as unknown as { jobId: string }).jobId);
  const mismatch = await fetch(`${srv.base}/api/convert?to=jpeg&from=png`, { method: 'POST', headers: { ...srv.auth, 'content-type': 'application/octet-stream' }, body: 'text' });
  assert.equal(mismatch.status, 415);
  assert.equal((await json(mismatch)).error?.code, 'FORMAT_MISMATCH');
  const unknown = await fetch(`${srv.base}/api/convert?to=exe`, { method: 'POST', headers: { ...srv.auth, 'content-type': 'application/octet-stream' }, body: 'x' });
  assert.equal(unknown.status, 415);
  assert.equal((await json(unknown)).error?.code, 'UNSUPPORTED_FORMAT');
  const missing = await fetch(`${srv.base}/api/convert`, { method: 'POST', headers: { ...srv.auth, 'content-type': 'application/octet-stream' }, body: 'x' });
  assert.equal((await json(missing)).error?.code, 'MISSING_FIELD');
  assert.equal((await fetch(`${srv.base}/api/health`)).status, 200);
});

test('upload over the limit: 413 INPUT_TOO_LARGE (multipart) / PAYLOAD_TOO_LARGE (raw)', async () => {
  const fd = new FormData();
  fd.append('to', 'json');
  fd.append('file', new Blob([Buffer.alloc(300 * 1024, 0x61)]), 'big.csv');
  const res = await fetch(`${srv.base}/api/convert`, { method: 'POST', headers: srv.auth, body: fd });
  assert.equal(res.status, 413);
  assert.equal((await json(res)).error?.code, 'INPUT_TOO_LARGE');
  const raw = await fetch(`${srv.base}/api/convert?to=json&from=csv`, { method: 'POST', headers: { ...srv.auth, 'content-type': 'application/octet-stream' }, body: Buffer.alloc(300 * 1024, 0x61) });
  assert.equal(raw.status, 413);
});

test('a full queue answers 503 QUEUE_FULL with Retry-After', async () => {
  const q = await start({ maxQueued: 1, jobTimeoutMs: 2000 });
  const post = (wait: boolean) => fetch(`${q.base}/api/convert?to=txt&from=txt&converter=test-spin&wait=${wait}`, { method: 'POST', headers: { ...q.auth, 'content-type': 'application/octet-stream' }, body: 'x' });
  assert.equal((await post(false)).status, 202);
  assert.equal((await post(false)).status, 202);
  const full = await post(false);
  assert.equal(full.status, 503);
  assert.ok(Number(full.headers.get('retry-after')) >= 1);
  assert.equal((await json(full)).error?.code, 'QUEUE_FULL');
});

test('strictness refusal: 503 ISOLATION_INSUFFICIENT with the reason', async () => {
  const r = await start({ canConvert: () => ({ ok: false, code: 'NO_KERNEL_LAYER', message: 'strict: no kernel isolation layer is in force' }) });
  const res = await fetch(`${r.base}/api/convert?to=json&from=csv`, { method: 'POST', headers: { ...r.auth, 'content-type': 'application/octet-stream' }, body: 'a\n1\n' });
  assert.equal(res.status, 503);
  const body = await json(res);
  assert.equal(body.error?.code, 'ISOLATION_INSUFFICIENT');
  assert.match(body.error?.message ?? '', /no kernel isolation layer/);
});
