// POST /api/convert — upload one or more files and convert them in jailed workers.
//   multipart/form-data: one or more `file` parts, and fields `to` (required), `from`,
//                        `converter`, `options` (JSON object), `combine` ("true": all files
//                        are the inputs of ONE job — PDF merge, images → one PDF)
//   application/octet-stream: one file as the body; the same fields as query parameters,
//                        plus `name` (the file name, for the extension hint and download name)
//   query: `async=1` → 202 {jobId} at once (poll GET /api/jobs/:id); `respond=json` → the
//          finished job as JSON instead of the file (download it from `result`).
// Answers (synchronous): the converted file itself (several files → a ZIP with one result per
// file plus hermetic-report.json); the job id, warnings and info are in X-Hermetic-* headers.
// A job still running after SYNC_WAIT_MS answers 202 {jobId} like async. Errors carry the
// job's stable code (4xx for bad input, 503 + Retry-After when the queue is full, 503
// ISOLATION_INSUFFICIENT when strictness forbids converting).
import { readFileSync } from 'node:fs';
import multipart from '@fastify/multipart';
import type { FastifyReply, FastifyRequest } from 'fastify';
import yazl from 'yazl';
import { ConvertError, CONVERT_ERRORS, type ConvertRequest, type ConvertService, type JobView } from '../../convert/index.js';
import { HttpError } from '../errors.js';
import { jobService, withRetryAfter, contentDisposition } from './jobs.js';
import type { RoutePlugin } from './types.js';

interface Fields { to?: string; from?: string; converter?: string; options?: string; wait?: string; name?: string; combine?: string; async?: string; respond?: string }
interface Upload { data: Buffer; name: string | null }

const FIELD = /^[A-Za-z0-9._-]{1,64}$/;
/** Files in one request (each becomes a job, or one input of a combining job). */
const MAX_FILES = 50;
/** How long a synchronous request waits before answering 202 with the job id instead. */
const SYNC_WAIT_MS = 60_000;

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

interface Parsed { uploads: Upload[]; fields: Fields }

async function readRequest(request: FastifyRequest, limit: number): Promise<Parsed> {
  const q = request.query as Fields;
  if (request.isMultipart()) {
    const fields: Fields = {};
    const uploads: Upload[] = [];
    let total = 0;
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file') { part.file.resume(); throw new HttpError(400, 'INVALID_FIELD', 'file parts must be named "file"'); }
        const data = await part.toBuffer();
        // The upload limit is per request: several files share it (they are held in memory).
        total += data.length;
        if (total > limit) throw new ConvertError('INPUT_TOO_LARGE', `the uploads together are larger than ${limit} bytes`);
        uploads.push({ data, name: part.filename || null });
      } else if (['to', 'from', 'converter', 'options', 'wait', 'combine', 'async', 'respond'].includes(part.fieldname)) {
        (fields as Record<string, unknown>)[part.fieldname] = part.value;
      } else {
        throw new HttpError(400, 'INVALID_FIELD', `unknown field '${part.fieldname.slice(0, 64)}'`);
      }
    }
    if (!uploads.length) throw new HttpError(400, 'MISSING_FILE', 'no file part named "file"');
    return { uploads, fields: { ...q, ...fields } };
  }
  const body = request.body;
  if (!Buffer.isBuffer(body)) throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send multipart/form-data or application/octet-stream');
  return { uploads: [{ data: body, name: field(q.name, 'name') ?? null }], fields: q };
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

function jobHeaders(reply: FastifyReply, jobs: JobView[]): void {
  void reply.header('x-hermetic-job-id', jobs.map((j) => j.id).join(','));
  const warnings = jobs.flatMap((j) => j.warnings);
  if (warnings.length) void reply.header('x-hermetic-warnings', headerJson(warnings));
  const info = jobs.map((j) => j.info).filter(Boolean);
  if (info.length) void reply.header('x-hermetic-info', headerJson(jobs.length === 1 ? info[0] : info));
}

/** Send one job's result file (then delete it: results are single-download). */
function sendResult(svc: ConvertService, reply: FastifyReply, job: JobView): FastifyReply {
  const r = svc.result(job.id);
  const data = readFileSync(r.path);
  svc.discardResult(job.id);
  jobHeaders(reply, [job]);
  return reply
    .header('content-type', r.mediaType)
    .header('content-disposition', contentDisposition(r.name))
    .header('x-content-type-options', 'nosniff')
    .send(data);
}

/** Several results in one ZIP, with a report of every file (failures included). */
function zipResults(svc: ConvertService, jobs: { job: JobView; input: string }[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const zip = new yazl.ZipFile();
    const used = new Set<string>();
    const unique = (name: string): string => {
      let n = name;
      for (let i = 2; used.has(n.toLowerCase()); i++) { const dot = name.lastIndexOf('.'); n = dot > 0 ? `${name.slice(0, dot)} (${i})${name.slice(dot)}` : `${name} (${i})`; }
      used.add(n.toLowerCase());
      return n;
    };
    used.add('hermetic-report.json');
    const report: Record<string, unknown>[] = [];
    for (const { job, input } of jobs) {
      if (job.status === 'succeeded') {
        const r = svc.result(job.id);
        const name = unique(r.name);
        zip.addBuffer(readFileSync(r.path), name);
        svc.discardResult(job.id);
        report.push({ input, output: name, jobId: job.id, status: 'succeeded', warnings: job.warnings, info: job.info });
      } else {
        report.push({ input, jobId: job.id, status: job.status, error: job.error });
      }
    }
    zip.addBuffer(Buffer.from(JSON.stringify({ files: report }, null, 2) + '\n'), 'hermetic-report.json');
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.end();
  });
}

export const convertRoutes: RoutePlugin = async (app, ctx) => {
  const limit = ctx.config.uploadLimitBytes;
  await app.register(multipart, { limits: { fileSize: limit, files: MAX_FILES, fields: 16, fieldSize: 64 * 1024, parts: MAX_FILES + 16, headerPairs: 100 }, throwFileSizeLimit: true });
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: limit }, (_req, body, done) => done(null, body));

  app.post('/api/convert', { bodyLimit: limit }, async (request, reply) => {
    const svc = jobService(ctx);
    let parsed: Parsed;
    try {
      parsed = await readRequest(request, limit);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'FST_REQ_FILE_TOO_LARGE') throw new ConvertError('INPUT_TOO_LARGE', `an upload is larger than ${limit} bytes`);
      if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT') throw new HttpError(413, 'TOO_MANY_FILES', `at most ${MAX_FILES} files per request`);
      throw e;
    }
    const f = parsed.fields;
    const to = field(f.to, 'to');
    if (!to) throw new HttpError(400, 'MISSING_FIELD', 'to: the output format is required');
    const base = { to, from: field(f.from, 'from') ?? null, converter: field(f.converter, 'converter') ?? null, options: parseOptions(typeof f.options === 'string' ? f.options : undefined) };
    const [first, ...rest] = parsed.uploads as [Upload, ...Upload[]];
    const requests: ConvertRequest[] = flag(f.combine)
      ? [{ ...base, data: first.data, name: first.name, more: rest.map((u) => ({ data: u.data, name: u.name })) }]
      : parsed.uploads.map((u) => ({ ...base, data: u.data, name: u.name }));
    // Submit all or none: a refusal (full queue, bad name) cancels what this request queued.
    const submitted: JobView[] = [];
    try {
      for (const r of requests) submitted.push(svc.submit(r));
    } catch (e) {
      for (const j of submitted) { svc.cancel(j.id); svc.discardResult(j.id); }
      withRetryAfter(reply, e);
    }
    const wantsAsync = flag(f.async) || f.wait === 'false';
    if (wantsAsync) {
      return reply.code(202).send(submitted.length === 1 ? { jobId: submitted[0]!.id, job: submitted[0] } : { jobIds: submitted.map((j) => j.id), jobs: submitted });
    }
    const deadline = Date.now() + SYNC_WAIT_MS;
    const done: JobView[] = [];
    for (const j of submitted) {
      const v = await waitAtMost(svc, j.id, Math.max(0, deadline - Date.now()));
      if (!v) return reply.code(202).send({ jobIds: submitted.map((x) => x.id), jobId: submitted[0]!.id, message: 'still running; poll GET /api/jobs/:id' });
      done.push(v);
    }
    if (f.respond === 'json') {
      if (done.length === 1) {
        if (done[0]!.status !== 'succeeded') throw failed(done[0]!);
        return { job: done[0], result: `/api/jobs/${done[0]!.id}/result` };
      }
      return { jobs: done.map((j) => ({ job: j, result: j.status === 'succeeded' ? `/api/jobs/${j.id}/result` : null })) };
    }
    if (done.length === 1) {
      if (done[0]!.status !== 'succeeded') throw failed(done[0]!);
      return sendResult(svc, reply, done[0]!);
    }
    if (!done.some((j) => j.status === 'succeeded')) {
      throw new ConvertError(failed(done[0]!).code, `none of the ${done.length} files could be converted`, { files: done.map((j, i) => ({ input: parsed.uploads[i]?.name ?? null, jobId: j.id, error: j.error })) });
    }
    const zip = await zipResults(svc, done.map((job, i) => ({ job, input: parsed.uploads[i]?.name ?? `file-${i + 1}` })));
    jobHeaders(reply, done.filter((j) => j.status === 'succeeded'));
    const failures = done.filter((j) => j.status !== 'succeeded').length;
    return reply
      .header('x-hermetic-failed', String(failures))
      .header('content-type', 'application/zip')
      .header('content-disposition', contentDisposition('converted.zip'))
      .header('x-content-type-options', 'nosniff')
      .send(zip);
  });
};
