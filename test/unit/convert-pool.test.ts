// The pool and job service mechanics: warm single-use workers, bounded queue, timeout, memory
// and output caps, crashes, refusal by policy. These run workers WITHOUT the kernel jail (the
// test-only unjailed spawn) because they test the pool, not isolation; worker isolation is
// tested with the real jail in test/integration/convert-jail.test.ts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readdirSync, existsSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConvertService, type ConvertServiceOptions } from '../../src/convert/index.js';
import { fixturesDir } from '../helpers/paths.js';
import { unjailedSpawnForTests } from './convert-unjailed-spawn.js';

let dataDir: string;
const plugins = join(fixturesDir, 'convert', 'plugins');

function service(over: Partial<ConvertServiceOptions> = {}, cfg: Partial<ConvertServiceOptions['config']> = {}): ConvertService {
  return new ConvertService({
    config: {
      dataDir, strictness: 'standard', jobTimeoutMs: 20_000, workerMemoryMb: 256, poolSize: 1, logFileNames: false,
      convertersDir: plugins, killGraceMs: 500, resultTtlMs: 60_000, ...cfg,
    },
    spawn: unjailedSpawnForTests,
    tripwire: false, // the tripwire is a separate module; these tests are about the pool alone
    ...over,
  });
}

before(() => { dataDir = mkdtempSync(join(tmpdir(), 'hermetic-convert-pool-')); });
after(() => { rmSync(dataDir, { recursive: true, force: true }); });

async function until(pred: () => boolean, ms = 20_000): Promise<void> {
  for (const end = Date.now() + ms; !pred() && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
}

test('warm pool: one worker per common family; the catalog comes from an \'all\' worker, with built-ins and plugins', async () => {
  const s = service();
  s.start();
  try {
    await until(() => s.stats().pool.ready >= 3);
    const fam = s.stats().pool.families;
    assert.deepEqual(Object.keys(fam).sort(), ['data', 'document', 'image'], 'the common families are warmed before any demand');
    for (const f of ['data', 'document', 'image'] as const) assert.equal(fam[f]?.ready, 1);
    const cat = await s.catalog();
    const ids = cat.map((c) => c.id);
    for (const id of ['image', 'document', 'data', 'spreadsheet', 'pdf', 'ocr', 'test-echo']) assert.ok(ids.includes(id), `missing ${id}`);
    assert.equal(cat.find((c) => c.id === 'test-echo')?.origin, 'plugin');
    assert.equal(s.stats().pool.families.all?.spawned, 1);
  } finally { await s.close(); }
});

test('per-family routing and demand: jobs run in a worker of their family; demand grows that family\'s warm share', async () => {
  const s = service({ poolSize: 2 });
  s.start();
  try {
    await until(() => s.stats().pool.ready >= 3);
    for (let i = 0; i < 3; i++) {
      const v = await s.convert({ data: Buffer.from('a: 1\n'), from: 'yaml', to: 'json' });
      assert.equal(v.status, 'succeeded', JSON.stringify(v.error));
      assert.equal(v.family, 'data');
    }
    // Three data jobs and nothing else: data's share of the pool (size 2) is now 2 warm workers.
    // Checked before the next job: a job of another family lowers data's share again, and the
    // second data worker is a refill that waits while a job runs (so, on a busy machine, it may
    // never start if the next job comes first).
    await until(() => (s.stats().pool.families.data?.ready ?? 0) >= 2);
    assert.equal(s.stats().pool.families.data?.ready, 2);
    assert.equal(s.stats().pool.families.image?.ready, 1, 'a common family keeps its one warm worker');
    const png = await s.convert({ data: Buffer.from('x'), name: 'x.png', to: 'txt' });
    assert.equal(png.family, 'ocr', 'PNG → text is routed to the OCR family (and fails on the content)');
    assert.equal(png.error?.code, 'FORMAT_MISMATCH');
  } finally { await s.close(); }
});

test('single-use: every job runs in a fresh worker process, with no state from an earlier job', async () => {
  const s = service({ poolSize: 2 });
  s.start();
  try {
    const facts = [];
    for (let i = 0; i < 3; i++) {
      const v = await s.convert({ data: Buffer.from(`job ${i}`), from: 'txt', to: 'txt', converter: 'test-echo' });
      assert.equal(v.status, 'succeeded', JSON.stringify(v.error));
      facts.push(JSON.parse(readFileSync(s.result(v.id).path, 'utf8')) as { pid: number; jobsSeen: number; input: string });
    }
    assert.equal(new Set(facts.map((f) => f.pid)).size, 3, 'three jobs, three processes');
    assert.deepEqual(facts.map((f) => f.jobsSeen), [1, 1, 1]);
    assert.deepEqual(facts.map((f) => f.input), ['job 0', 'job 1', 'job 2']);
  } finally { await s.close(); }
});

test('a real conversion through a worker: CSV → JSON, result file, job folder cleanup', async () => {
  const s = service();
  s.start();
  try {
    const v = await s.convert({ data: Buffer.from('name,n\nada,1\n'), name: 'people.csv', to: 'json' });
    assert.equal(v.status, 'succeeded', JSON.stringify(v.error));
    assert.equal(v.converter, 'data');
    assert.equal(v.from, 'csv');
    const r = s.result(v.id);
    assert.equal(r.name, 'people.json');
    assert.match(r.mediaType, /^application\/json/);
    assert.deepEqual(JSON.parse(readFileSync(r.path, 'utf8')), [{ name: 'ada', n: '1' }]);
    assert.equal(statSync(r.path).mode & 0o077, 0, 'result is private to us');
    assert.ok(s.discardResult(v.id));
    assert.equal(existsSync(r.path), false);
    assert.throws(() => s.result(v.id), { code: 'RESULT_GONE' });
  } finally { await s.close(); }
});

test('bad input: a clear error code, nothing left on disk, and the next job succeeds', async () => {
  const s = service();
  s.start();
  try {
    const bad = await s.convert({ data: Buffer.from('{"a": [1, 2'), from: 'json', to: 'yaml' });
    assert.equal(bad.status, 'failed');
    assert.equal(bad.error?.code, 'INVALID_INPUT');
    const mismatch = await s.convert({ data: Buffer.from('plain text'), from: 'png', to: 'jpeg' });
    assert.equal(mismatch.error?.code, 'FORMAT_MISMATCH');
    const good = await s.convert({ data: Buffer.from('a: 1\n'), from: 'yaml', to: 'json' });
    assert.equal(good.status, 'succeeded', JSON.stringify(good.error));
    // Results live in the job's own folder (jobs/run-<pid>-*/j-*/r-<n>.<ext>); a failed job's
    // folder is gone at once, and no input is left anywhere (warm workers' folders are empty).
    const files: string[] = [];
    const walk = (d: string): void => { for (const e of readdirSync(d, { withFileTypes: true })) { if (e.isDirectory()) walk(join(d, e.name)); else files.push(join(d, e.name)); } };
    walk(join(dataDir, 'jobs'));
    assert.deepEqual(files.map((f) => f.split('/').slice(-2).join('/').replace(/^j-\w+/, 'j-*')), ['j-*/r-0.json'], 'only the succeeded job\'s result is on disk');
  } finally { await s.close(); }
});

test('unknown output format and unknown converter are refused', async () => {
  const s = service();
  s.start();
  try {
    assert.throws(() => s.submit({ data: Buffer.from('x'), to: 'exe' }), { code: 'UNSUPPORTED_FORMAT', status: 415 });
    await s.catalog();
    // Refused up front from the catalog a worker reported (no worker is spent on it)…
    assert.throws(() => s.submit({ data: Buffer.from('x'), from: 'txt', to: 'txt', converter: 'no-such' }), { code: 'NO_CONVERTER', status: 422 });
    assert.throws(() => s.submit({ data: Buffer.from('x'), from: 'csv', to: 'png' }), { code: 'NO_CONVERTER' });
    // …and by the worker when only the content shows it (declared nothing; text cannot become PNG).
    const v = await s.convert({ data: Buffer.from('just text'), to: 'png' });
    assert.equal(v.error?.code, 'NO_CONVERTER');
  } finally { await s.close(); }
});

test('timeout: a converter that never returns is killed and the job fails with JOB_TIMEOUT', async () => {
  const s = service({}, { jobTimeoutMs: 1500 });
  s.start();
  try {
    const v = await s.convert({ data: Buffer.from('x'), from: 'txt', to: 'txt', converter: 'test-spin' });
    assert.equal(v.error?.code, 'JOB_TIMEOUT');
    const next = await s.convert({ data: Buffer.from('after'), from: 'txt', to: 'txt', converter: 'test-echo' });
    assert.equal(next.status, 'succeeded');
  } finally { await s.close(); }
});

test('memory cap: a converter that eats the heap fails with OUT_OF_MEMORY', async () => {
  const s = service({}, { workerMemoryMb: 64 });
  s.start();
  try {
    const v = await s.convert({ data: Buffer.from('x'), from: 'txt', to: 'txt', converter: 'test-hog' });
    assert.equal(v.error?.code, 'OUT_OF_MEMORY', JSON.stringify(v.error));
  } finally { await s.close(); }
});

test('output cap: a result over the limit is refused with OUTPUT_TOO_LARGE', async () => {
  const s = service({ maxOutputBytes: 10_000 });
  s.start();
  try {
    const v = await s.convert({ data: Buffer.from('x'), from: 'txt', to: 'txt', converter: 'test-big', options: { bytes: 20_000 } });
    assert.equal(v.error?.code, 'OUTPUT_TOO_LARGE');
    const ok = await s.convert({ data: Buffer.from('x'), from: 'txt', to: 'txt', converter: 'test-big', options: { bytes: 5_000 } });
    assert.equal(ok.status, 'succeeded');
    assert.equal(ok.outputBytes, 5_000);
  } finally { await s.close(); }
});

test('a worker crash fails only its job (WORKER_CRASHED)', async () => {
  const s = service();
  s.start();
  try {
    const v = await s.convert({ data: Buffer.from('x'), from: 'txt', to: 'txt', converter: 'test-crash' });
    assert.equal(v.error?.code, 'WORKER_CRASHED');
    assert.match(v.error?.message ?? '', /SIGSEGV/);
    const next = await s.convert({ data: Buffer.from('x'), from: 'txt', to: 'txt', converter: 'test-echo' });
    assert.equal(next.status, 'succeeded');
  } finally { await s.close(); }
});

test('bounded queue: beyond capacity a job is refused with QUEUE_FULL (503) and a retry hint', async () => {
  const s = service({ maxQueued: 1 }, { jobTimeoutMs: 3000 });
  s.start();
  try {
    await s.catalog();
    const running = s.submit({ data: Buffer.from('x'), from: 'txt', to: 'txt', converter: 'test-spin' });
    const queued = s.submit({ data: Buffer.from('y'), from: 'txt', to: 'txt', converter: 'test-echo' });
    let refused: unknown;
    try { s.submit({ data: Buffer.from('z'), from: 'txt', to: 'txt', converter: 'test-echo' }); } catch (e) { refused = e; }
    assert.ok(refused, 'third job must be refused');
    assert.equal((refused as { code: string }).code, 'QUEUE_FULL');
    assert.equal((refused as { status: number }).status, 503);
    assert.ok(Number((refused as { extra: { retryAfterSec: number } }).extra.retryAfterSec) >= 1);
    assert.equal((await s.wait(running.id)).error?.code, 'JOB_TIMEOUT');
    assert.equal((await s.wait(queued.id)).status, 'succeeded');
  } finally { await s.close(); }
});

test('bounded queue: input bytes held on disk are capped too (uploads and unfinished jobs)', async () => {
  const s = service({ maxQueued: 10, maxQueuedBytes: 10 }, { jobTimeoutMs: 1500 });
  s.start();
  try {
    await s.catalog();
    const running = s.submit({ data: Buffer.from('x'), from: 'txt', to: 'txt', converter: 'test-spin' });
    const first = s.submit({ data: Buffer.from('12345678'), from: 'txt', to: 'txt', converter: 'test-echo' });
    // 1 byte running + 8 waiting: 8 more would pass the 10-byte budget.
    assert.throws(() => s.submit({ data: Buffer.from('12345678'), from: 'txt', to: 'txt', converter: 'test-echo' }), { code: 'QUEUE_FULL', message: /holds 9 bytes/ });
    assert.equal((await s.wait(running.id)).error?.code, 'JOB_TIMEOUT');
    assert.equal((await s.wait(first.id)).status, 'succeeded');
    // The budget is released when a job leaves the queue.
    assert.equal((await s.convert({ data: Buffer.from('12345678'), from: 'txt', to: 'txt', converter: 'test-echo' })).status, 'succeeded');
  } finally { await s.close(); }
});

test('refused by policy: canConvert() false → ISOLATION_INSUFFICIENT (503), no worker started', async () => {
  const s = service({ canConvert: () => ({ ok: false, code: 'NO_KERNEL_LAYER', message: 'strict: no kernel isolation layer is in force' }) });
  s.start();
  try {
    assert.throws(() => s.submit({ data: Buffer.from('x'), from: 'txt', to: 'txt' }), { code: 'ISOLATION_INSUFFICIENT', status: 503 });
    assert.equal(s.stats().pool.spawned + s.stats().pool.starting, 0);
  } finally { await s.close(); }
});

test('strict: a worker without any kernel layer is refused (ISOLATION_INSUFFICIENT), never run', async () => {
  const s = service({}, { strictness: 'strict' });
  s.start();
  try {
    const v = await s.convert({ data: Buffer.from('x'), from: 'txt', to: 'txt', converter: 'test-echo' });
    assert.equal(v.status, 'failed');
    assert.equal(v.error?.code, 'ISOLATION_INSUFFICIENT');
  } finally { await s.close(); }
});

test('a batch is one job: its files stream through the job\'s own workers (≤ the pool size), each file with its own id and result', async () => {
  const s = service({ poolSize: 2 });
  s.start();
  try {
    const job = s.submitJob({ to: 'txt', from: 'txt', converter: 'test-echo', files: Array.from({ length: 6 }, (_, i) => ({ data: Buffer.from(`file ${i}`), name: `f${i}.txt` })) });
    assert.equal(job.files.length, 6);
    assert.equal(new Set(job.files.map((f) => f.id)).size, 6, 'every file has its own id');
    const done = await s.wait(job.id);
    assert.equal(done.status, 'succeeded');
    assert.deepEqual(done.progress, { total: 6, done: 6, succeeded: 6, failed: 0 });
    assert.ok(done.workers.length >= 1 && done.workers.length <= 2, `workers: ${done.workers.length}`);
    const facts = done.files.map((f) => JSON.parse(readFileSync(s.result(f.id).path, 'utf8')) as { pid: number; jobsSeen: number; input: string });
    assert.deepEqual(facts.map((f) => f.input), Array.from({ length: 6 }, (_, i) => `file ${i}`), 'each file got its own input back');
    assert.ok(new Set(facts.map((f) => f.pid)).size <= 2, 'two lanes at most');
    assert.ok(facts.some((f) => f.jobsSeen > 1), 'a worker converted several files of the job');
    // A file of the batch is addressable like a job (the former per-file API).
    const one = s.get(done.files[3]!.id);
    assert.equal(one?.partOf, job.id);
    assert.equal(one?.status, 'succeeded');
    // A new job never gets those processes.
    const next = await s.convert({ data: Buffer.from('later'), from: 'txt', to: 'txt', converter: 'test-echo' });
    const later = JSON.parse(readFileSync(s.result(next.id).path, 'utf8')) as { pid: number; jobsSeen: number };
    assert.ok(!facts.some((f) => f.pid === later.pid), 'the next job ran in a fresh process');
    assert.equal(later.jobsSeen, 1);
  } finally { await s.close(); }
});

test('onJobUpdate: every status change and every file\'s progress inside a batch, until the job ends; unsubscribe stops it', async () => {
  const s = service({ poolSize: 1 });
  s.start();
  try {
    const seen: { status: string; done: number; running: number }[] = [];
    const off = s.onJobUpdate((v) => seen.push({ status: v.status, done: v.progress.done, running: v.files.filter((f) => f.status === 'running').length }));
    const job = s.submitJob({ to: 'txt', from: 'txt', converter: 'test-echo', files: [0, 1, 2].map((i) => ({ data: Buffer.from(`x${i}`), name: `x${i}.txt` })) });
    await s.wait(job.id);
    off();
    assert.equal(seen[0]?.status, 'queued', 'the first event is the submission');
    assert.equal(seen.at(-1)?.status, 'succeeded');
    assert.deepEqual([...new Set(seen.map((e) => e.done))], [0, 1, 2, 3], 'progress counted file by file');
    assert.ok(seen.filter((e) => e.running === 1).length >= 3, 'each file was seen running');
    const n = seen.length;
    await s.convert({ data: Buffer.from('y'), from: 'txt', to: 'txt', converter: 'test-echo' });
    assert.equal(seen.length, n, 'no events after unsubscribing');
  } finally { await s.close(); }
});

test('cancel one file of a batch: only it ends cancelled; a job id cancels every file still to do', async () => {
  const s = service({ poolSize: 1 }, { jobTimeoutMs: 5000 });
  s.start();
  try {
    const job = s.submitJob({ to: 'txt', from: 'txt', converter: 'test-echo', files: [0, 1, 2, 3].map((i) => ({ data: Buffer.from(`c${i}`), name: `c${i}.txt` })) });
    assert.ok(s.cancel(job.files[3]!.id), 'a queued file can be cancelled');
    const done = await s.wait(job.id);
    assert.deepEqual(done.files.map((f) => f.status), ['succeeded', 'succeeded', 'succeeded', 'cancelled']);
    assert.equal(done.status, 'succeeded', 'the job as a whole did its work');
    const spin = s.submitJob({ to: 'txt', from: 'txt', converter: 'test-spin', files: [0, 1].map((i) => ({ data: Buffer.from(`s${i}`), name: `s${i}.txt` })) });
    await until(() => s.get(spin.id)?.files[0]?.status === 'running');
    assert.ok(s.cancel(spin.id));
    const c = await s.wait(spin.id);
    assert.equal(c.status, 'cancelled');
    assert.deepEqual(c.files.map((f) => f.error?.code), ['CANCELLED', 'CANCELLED']);
  } finally { await s.close(); }
});
