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
import { solidPng } from '../unit/convert-fixtures.js';

interface Srv { s: RunningServer; dataDir: string; base: string; auth: Record<string, string> }
const servers: Srv[] = [];

async function start(opts: { canConvert?: CanConvert; maxQueued?: number; jobTimeoutMs?: number } = {}): Promise<Srv> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hermetic-convert-api-'));
  const config = loadConfig({ env: {}, flags: { dataDir, port: 0, poolSize: 1, uploadLimitBytes: 256 * 1024, jobTimeoutMs: opts.jobTimeoutMs ?? 30_000, workerMemoryMb: 512, convertersDir: join(fixturesDir, 'convert', 'plugins'), logLevel: 'silent' } });
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

test('GET /api/converters lists the built-ins and formats; the token is required', async () => {
  const res = await fetch(`${srv.base}/api/converters`, { headers: srv.auth });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { converters: { id: string }[]; formats: Record<string, unknown> };
  assert.ok(body.converters.some((c) => c.id === 'ocr'));
  assert.ok(body.formats.docx);
  const anon = await fetch(`${srv.base}/api/converters`);
  assert.equal(anon.status, 401);
});

test('multipart PNG → JPEG: 200 with the job, result downloads once, then 410 RESULT_GONE', async () => {
  const fd = new FormData();
  fd.append('to', 'jpeg');
  fd.append('options', JSON.stringify({ width: 32 }));
  fd.append('file', new Blob([await solidPng(64, 64)]), 'red square.png');
  const res = await fetch(`${srv.base}/api/convert`, { method: 'POST', headers: srv.auth, body: fd });
  const body = await json(res);
  assert.equal(res.status, 200, JSON.stringify(body));
  const job = body.job as { id: string; status: string; converter: string; result: { name: string } };
  assert.equal(job.status, 'succeeded');
  assert.equal(job.converter, 'image');
  assert.equal(job.result.name, 'red square.jpg');
  const dl = await fetch(`${srv.base}/api/jobs/${job.id}/result`, { headers: srv.auth });
  assert.equal(dl.status, 200);
  assert.equal(dl.headers.get('content-type'), 'image/jpeg');
  assert.match(dl.headers.get('content-disposition') ?? '', /filename\*=UTF-8''red%20square\.jpg/);
  const meta = await sharp(Buffer.from(await dl.arrayBuffer())).metadata();
  assert.equal(meta.format, 'jpeg');
  assert.equal(meta.width, 32);
  await new Promise((r) => setTimeout(r, 50));
  const again = await fetch(`${srv.base}/api/jobs/${job.id}/result`, { headers: srv.auth });
  assert.equal(again.status, 410);
  assert.equal((await json(again)).error?.code, 'RESULT_GONE');
});

test('raw body CSV → JSON with query parameters; the job is listed with sizes', async () => {
  const res = await fetch(`${srv.base}/api/convert?to=json&name=list.csv`, { method: 'POST', headers: { ...srv.auth, 'content-type': 'application/octet-stream' }, body: 'a,b\n1,2\n' });
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
  const res = await fetch(`${srv.base}/api/convert?to=yaml&from=json`, { method: 'POST', headers: { ...srv.auth, 'content-type': 'application/octet-stream' }, body: '{"k": 1}' });
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
