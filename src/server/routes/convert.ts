// POST /api/convert — upload one or more files and convert them in jailed workers.
//   multipart/form-data: one or more `file` parts, and fields `to` (required), `from`,
//                        `converter`, `options` (JSON object), `combine` ("true": all files
//                        are the inputs of ONE conversion — PDF merge, images → one PDF)
//   application/octet-stream: one file as the body; the same fields as query parameters,
//                        plus `name` (the file name, for the extension hint and download name)
//   query: `async=1` → 202 {jobId} at once (poll GET /api/jobs/:id); `respond=json` → the
//          finished job as JSON instead of the file (download it from `result`).
// One request is ONE job (one trust domain): its files stream through the job's own workers
// (one per family, in parallel up to the pool size), which no other request's file ever
// reaches; the job is queued once. Uploads are spooled to the job's folder on disk as they
// arrive (never held in memory), within a server-wide budget (503 QUEUE_FULL beyond it).
// Answers (synchronous): the converted file itself (several files → a ZIP with one result per
// file plus hermetic-report.json); ids, warnings and info are in X-Hermetic-* headers. A job
// still running after SYNC_WAIT_MS answers 202 like async. Errors carry the job's stable code
// (4xx for bad input, 503 + Retry-After when the queue or the upload budget is full, 503
// ISOLATION_INSUFFICIENT when strictness forbids converting).
import { createReadStream, readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import multipart from '@fastify/multipart';
import type { FastifyReply, FastifyRequest } from 'fastify';
import yazl from 'yazl';
import { ConvertError, CONVERT_ERRORS, type ConvertService, type JobInput, type JobView, type Spool } from '../../convert/index.js';
import { HttpError } from '../errors.js';
import { jobService, withRetryAfter, contentDisposition } from './jobs.js';
import type { RoutePlugin } from './types.js';

interface Fields { to?: string; from?: string; converter?: string; options?: string; wait?: string; name?: string; combine?: string; async?: string; respond?: string }

const FIELD = /^[A-Za-z0-9._-]{1,64}$/;
const FIELD_NAMES = ['to', 'from', 'converter', 'options', 'wait', 'combine', 'async', 'respond'];
/** Files in one request (one job; or the inputs of one combining conversion). */
export const MAX_FILES = 50;
const MAX_FIELDS = 16;
/** How long a synchronous request waits before answering 202 with the job id instead. */
const SYNC_WAIT_MS = 60_000;
/** Results up to this size are read in one go; larger ones are streamed from disk. */
const SMALL_RESULT = 1024 * 1024;

function field(v: unknown, key: string): string | undefined {
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string' || (key !== 'name' && !FIELD.test(v))) throw new HttpError(400, 'INVALID_FIELD', `${key}: expected a short identifier`);
  return v;
}

function flag(v: unknown): boolean {
  return v === '1' || v === 'true' || v === 'yes';
}

function parseOptions(raw: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  let v: unknown;
  try { v = JSON.parse(raw); } catch { throw new HttpError(400, 'INVALID_OPTIONS', 'options: expected a JSON object'); }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new HttpError(400, 'INVALID_OPTIONS', 'options: expected a JSON object');
  return v as Record<string, unknown>;
}

/**
 * @fastify/multipart's own limit errors (FST_*) as our stable codes: a client matches on
 * INPUT_TOO_LARGE / TOO_MANY_FILES / TOO_MANY_FIELDS / INVALID_MULTIPART, never on a library's.
 */
function multipartError(e: unknown, limit: number): unknown {
  const code = (e as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('FST_')) return e;
  switch (code) {
    case 'FST_REQ_FILE_TOO_LARGE': return new ConvertError('INPUT_TOO_LARGE', `an upload is larger than ${limit} bytes`);
    case 'FST_FILES_LIMIT':
    case 'FST_PARTS_LIMIT': return new HttpError(413, 'TOO_MANY_FILES', `at most ${MAX_FILES} files per request`);
    case 'FST_FIELDS_LIMIT': return new HttpError(413, 'TOO_MANY_FIELDS', `at most ${MAX_FIELDS} form fields per request`);
    default: return new HttpError(400, 'INVALID_MULTIPART', `the multipart body could not be read (${(e as Error).message})`);
  }
}

/**
 * A body the parser could not read (busboy: "Unexpected end of form", a malformed part header…)
 * is the client's fault: 400 INVALID_MULTIPART. Our own errors, and the file system's (a full
 * disk is ours: 500), pass unchanged.
 */
function unreadable(e: unknown): unknown {
  if (e instanceof ConvertError || e instanceof HttpError) return e;
  const x = e as { code?: unknown; syscall?: unknown };
  if (typeof x.syscall === 'string' || (typeof x.code === 'string' && x.code.startsWith('FST_'))) return e;
  return new HttpError(400, 'INVALID_MULTIPART', `the multipart body could not be read (${(e as Error).message ?? String(e)})`);
}

/**
 * An upload refused before its body was read: the connection is closed after the answer, so a
 * client does not reuse a socket whose request body is still (partly) unread.
 */
function refuse(reply: FastifyReply, e: unknown): never {
  void reply.header('connection', 'close');
  return withRetryAfter(reply, e);
}

/** Read the request: every file is streamed into the spool (the job's folder), fields collected. */
async function readRequest(request: FastifyRequest, spool: Spool, limit: number): Promise<Fields> {
  const q = request.query as Fields;
  if (request.isMultipart()) {
    try { return await readMultipart(request, spool, limit, q); } catch (e) { throw unreadable(e); }
  }
  const body = request.body as Readable | undefined;
  if (!body || typeof body.pipe !== 'function') throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send multipart/form-data or application/octet-stream');
  await spool.add(body, field(q.name, 'name') ?? null);
  return q;
}

async function readMultipart(request: FastifyRequest, spool: Spool, limit: number, q: Fields): Promise<Fields> {
  {
    const fields: Fields = {};
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file') { part.file.resume(); throw new HttpError(400, 'INVALID_FIELD', 'file parts must be named "file"'); }
        await spool.add(part.file, part.filename || null);
        if (part.file.truncated) throw new ConvertError('INPUT_TOO_LARGE', `an upload is larger than ${limit} bytes`);
      } else if (FIELD_NAMES.includes(part.fieldname)) {
        if (part.valueTruncated) throw new HttpError(400, 'INVALID_FIELD', `${part.fieldname}: too long`);
        (fields as Record<string, unknown>)[part.fieldname] = part.value;
      } else {
        throw new HttpError(400, 'INVALID_FIELD', `unknown field '${part.fieldname.slice(0, 64)}'`);
      }
    }
    if (!spool.files.length) throw new HttpError(400, 'MISSING_FILE', 'no file part named "file"');
    return { ...q, ...fields };
  }
}

function failed(job: JobView): ConvertError {
  const code = (job.error?.code ?? 'WORKER_CRASHED') as keyof typeof CONVERT_ERRORS;
  const { code: _c, message, ...extra } = job.error ?? { code, message: 'conversion failed' };
  return new ConvertError(code in CONVERT_ERRORS ? code : 'WORKER_CRASHED', String(message), { ...extra, jobId: job.id });
}

/** Wait for the job, or null when it is still running after `ms` (the client then polls). */
async function waitAtMost(svc: ConvertService, id: string, ms: number): Promise<JobView | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((r) => { timer = setTimeout(() => r(null), ms); });
  try { return await Promise.race([svc.wait(id), late]); } finally { clearTimeout(timer); }
}

/** Header-safe JSON (ASCII only: non-ASCII escaped), for the X-Hermetic-* headers. */
function headerJson(v: unknown): string {
  return JSON.stringify(v).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The files of a job, each shaped like a one-file job (their ids work on /api/jobs/:id). */
function fileJobs(svc: ConvertService, job: JobView): JobView[] {
  return job.files.length === 1 ? [job] : job.files.map((f) => svc.get(f.id)).filter((v): v is JobView => v !== null);
}

function jobHeaders(reply: FastifyReply, job: JobView, files: JobView[]): void {
  void reply.header('x-hermetic-job-id', files.map((j) => j.id).join(','));
  if (files.length > 1 || files[0]?.id !== job.id) void reply.header('x-hermetic-batch-id', job.id);
  const ok = files.filter((j) => j.status === 'succeeded');
  const warnings = ok.flatMap((j) => j.warnings);
  if (warnings.length) void reply.header('x-hermetic-warnings', headerJson(warnings));
  const info = ok.map((j) => j.info).filter(Boolean);
  if (info.length) void reply.header('x-hermetic-info', headerJson(files.length === 1 ? info[0] : info));
}

/** Send one result file (then delete it: results are single-download). */
function sendResult(svc: ConvertService, reply: FastifyReply, job: JobView): FastifyReply {
  const r = svc.result(job.id);
  // Every header first: if one throws, no file is open yet (no descriptor to leak).
  jobHeaders(reply, job, [job]);
  void reply
    .header('content-type', r.mediaType)
    .header('content-length', String(r.bytes))
    .header('content-disposition', contentDisposition(r.name))
    .header('x-content-type-options', 'nosniff');
  if (r.bytes <= SMALL_RESULT) {
    const data = readFileSync(r.path);
    svc.discardResult(job.id);
    return reply.send(data);
  }
  const stream = createReadStream(r.path);
  stream.once('close', () => { svc.discardResult(job.id); });
  return reply.send(stream);
}

/** Several results as one ZIP, streamed from disk, with a report of every file (failures included). */
function zipResults(svc: ConvertService, job: JobView, files: JobView[]): Readable {
  const zip = new yazl.ZipFile();
  const used = new Set<string>(['hermetic-report.json']);
  const unique = (name: string): string => {
    let n = name;
    for (let i = 2; used.has(n.toLowerCase()); i++) { const dot = name.lastIndexOf('.'); n = dot > 0 ? `${name.slice(0, dot)} (${i})${name.slice(dot)}` : `${name} (${i})`; }
    used.add(n.toLowerCase());
    return n;
  };
  const report: Record<string, unknown>[] = [];
  files.forEach((f, i) => {
    const input = job.files[i]?.name ?? `file-${i + 1}`;
    if (f.status === 'succeeded') {
      const r = svc.result(f.id);
      const name = unique(r.name);
      zip.addReadStream(createReadStream(r.path), name, { size: r.bytes });
      report.push({ input, output: name, jobId: f.id, status: 'succeeded', warnings: f.warnings, info: f.info });
    } else {
      report.push({ input, jobId: f.id, status: f.status, error: f.error });
    }
  });
  zip.addBuffer(Buffer.from(JSON.stringify({ jobId: job.id, files: report }, null, 2) + '\n'), 'hermetic-report.json');
  zip.end();
  // Results are single-download: gone once the archive has been sent (or the client left).
  zip.outputStream.once('close', () => { svc.discardResult(job.id); });
  zip.outputStream.once('end', () => { svc.discardResult(job.id); });
  return zip.outputStream as unknown as Readable;
}

export const convertRoutes: RoutePlugin = async (app, ctx) => {
  const limit = ctx.config.uploadLimitBytes;
  await app.register(multipart, { limits: { fileSize: limit, files: MAX_FILES, fields: MAX_FIELDS, fieldSize: 64 * 1024, parts: MAX_FILES + MAX_FIELDS, headerPairs: 100 }, throwFileSizeLimit: true });
  // The body stays a stream: the route spools it to disk (within the limit) instead of Fastify
  // collecting it in memory.
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));

  app.post('/api/convert', async (request, reply) => {
    const svc = jobService(ctx);
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit + 64 * 1024) {
      refuse(reply, new ConvertError('INPUT_TOO_LARGE', `the upload is larger than ${limit} bytes`));
    }
    let spool: Spool;
    // A declared size is reserved in the upload budget at once: an upload that fits is sure to
    // finish, one that does not is refused before a byte is read (no starving each other).
    try { spool = svc.openSpool(limit, Number.isFinite(declared) && declared > 0 ? declared : 0); } catch (e) { refuse(reply, e); }
    let f: Fields;
    try {
      f = await readRequest(request, spool, limit);
    } catch (e) {
      spool.discard();
      refuse(reply, multipartError(e, limit));
    }
    const wantsAsync = flag(f.async) || f.wait === 'false';
    let job: JobView;
    try {
      const to = field(f.to, 'to');
      if (!to) throw new HttpError(400, 'MISSING_FIELD', 'to: the output format is required');
      const files: JobInput[] = spool.files.map((u) => ({ spooled: u.path, bytes: u.bytes, name: u.name }));
      job = svc.submitJob({
        to, from: field(f.from, 'from') ?? null, converter: field(f.converter, 'converter') ?? null,
        options: parseOptions(typeof f.options === 'string' ? f.options : undefined), files, combine: flag(f.combine), spool,
        acknowledged: wantsAsync,
      });
    } catch (e) {
      spool.discard();
      withRetryAfter(reply, e);
    }
    const batch = job.files.length > 1;
    if (wantsAsync) {
      if (!batch) return reply.code(202).send({ jobId: job.id, job });
      const files = fileJobs(svc, job);
      return reply.code(202).send({ jobIds: files.map((j) => j.id), jobs: files, batchId: job.id, batch: job });
    }
    const done = await waitAtMost(svc, job.id, SYNC_WAIT_MS);
    if (!done) {
      const ids = batch ? job.files.map((x) => x.id) : [job.id];
      return reply.code(202).send({ jobIds: ids, jobId: ids[0], ...(batch ? { batchId: job.id } : {}), message: 'still running; poll GET /api/jobs/:id' });
    }
    const files = fileJobs(svc, done);
    if (f.respond === 'json') {
      if (!batch) {
        if (done.status !== 'succeeded') throw failed(done);
        return { job: done, result: `/api/jobs/${done.id}/result` };
      }
      return { jobs: files.map((j) => ({ job: j, result: j.status === 'succeeded' ? `/api/jobs/${j.id}/result` : null })), batchId: done.id, batch: done };
    }
    if (!batch) {
      if (done.status !== 'succeeded') throw failed(done);
      return sendResult(svc, reply, done);
    }
    if (!files.some((j) => j.status === 'succeeded')) {
      throw new ConvertError(failed(files[0]!).code, `none of the ${files.length} files could be converted`, { batchId: done.id, files: files.map((j, i) => ({ input: done.files[i]?.name ?? null, jobId: j.id, error: j.error })) });
    }
    jobHeaders(reply, done, files);
    return reply
      .header('x-hermetic-failed', String(files.filter((j) => j.status !== 'succeeded').length))
      .header('content-type', 'application/zip')
      .header('content-disposition', contentDisposition('converted.zip'))
      .header('x-content-type-options', 'nosniff')
      .send(zipResults(svc, done, files));
  });
};
