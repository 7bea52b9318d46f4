// POST /api/convert — upload a file and convert it in a jailed worker.
//   multipart/form-data: a `file` part, and fields `to` (required), `from`, `converter`,
//                        `options` (JSON object), `wait` ("false" → 202 with the job at once)
//   application/octet-stream: the bytes as the body; the same fields as query parameters,
//                        plus `name` (the file name, for the extension hint and download name)
// Answers 200 {job} when done (download with GET /api/jobs/:id/result), 202 {job} with
// wait=false, or the job's error with its stable code (4xx for bad input, 503 + Retry-After
// when the queue is full, 503 ISOLATION_INSUFFICIENT when strictness forbids converting).
import multipart from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { ConvertError, CONVERT_ERRORS, type ConvertRequest, type JobView } from '../../convert/index.js';
import { HttpError } from '../errors.js';
import { jobService, withRetryAfter } from './jobs.js';
import type { RoutePlugin } from './types.js';

interface Fields { to?: string; from?: string; converter?: string; options?: string; wait?: string; name?: string }

const FIELD = /^[A-Za-z0-9._-]{1,64}$/;

function field(v: unknown, key: string): string | undefined {
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string' || (key !== 'name' && !FIELD.test(v))) throw new HttpError(400, 'INVALID_FIELD', `${key}: expected a short identifier`);
  return v;
}

function parseOptions(raw: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  let v: unknown;
  try { v = JSON.parse(raw); } catch { throw new HttpError(400, 'INVALID_OPTIONS', 'options: expected a JSON object'); }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new HttpError(400, 'INVALID_OPTIONS', 'options: expected a JSON object');
  return v as Record<string, unknown>;
}

async function readRequest(request: FastifyRequest): Promise<{ req: ConvertRequest; wait: boolean }> {
  const q = request.query as Fields;
  if (request.isMultipart()) {
    const fields: Fields = {};
    let data: Buffer | null = null;
    let name: string | null = null;
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file' || data) { part.file.resume(); throw new HttpError(400, 'INVALID_FIELD', 'exactly one file part named "file" is expected'); }
        data = await part.toBuffer();
        name = part.filename || null;
      } else if (['to', 'from', 'converter', 'options', 'wait'].includes(part.fieldname)) {
        (fields as Record<string, unknown>)[part.fieldname] = part.value;
      } else {
        throw new HttpError(400, 'INVALID_FIELD', `unknown field '${part.fieldname.slice(0, 64)}'`);
      }
    }
    if (!data) throw new HttpError(400, 'MISSING_FILE', 'no file part named "file"');
    const to = field(fields.to, 'to');
    if (!to) throw new HttpError(400, 'MISSING_FIELD', 'to: the output format is required');
    return {
      req: { data, to, from: field(fields.from, 'from') ?? null, converter: field(fields.converter, 'converter') ?? null, name, options: parseOptions(typeof fields.options === 'string' ? fields.options : undefined) },
      wait: fields.wait !== 'false',
    };
  }
  const body = request.body;
  if (!Buffer.isBuffer(body)) throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send multipart/form-data or application/octet-stream');
  const to = field(q.to, 'to');
  if (!to) throw new HttpError(400, 'MISSING_FIELD', 'to: the output format is required');
  return {
    req: { data: body, to, from: field(q.from, 'from') ?? null, converter: field(q.converter, 'converter') ?? null, name: field(q.name, 'name') ?? null, options: parseOptions(q.options) },
    wait: q.wait !== 'false',
  };
}

function failed(job: JobView): ConvertError {
  const code = (job.error?.code ?? 'WORKER_CRASHED') as keyof typeof CONVERT_ERRORS;
  const { code: _c, message, ...extra } = job.error ?? { code, message: 'conversion failed' };
  return new ConvertError(code in CONVERT_ERRORS ? code : 'WORKER_CRASHED', String(message), { ...extra, jobId: job.id });
}

export const convertRoutes: RoutePlugin = async (app, ctx) => {
  const limit = ctx.config.uploadLimitBytes;
  await app.register(multipart, { limits: { fileSize: limit, files: 1, fields: 8, fieldSize: 64 * 1024, parts: 10, headerPairs: 100 }, throwFileSizeLimit: true });
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: limit }, (_req, body, done) => done(null, body));

  app.post('/api/convert', { bodyLimit: limit }, async (request, reply) => {
    const svc = jobService(ctx);
    let parsed: { req: ConvertRequest; wait: boolean };
    try {
      parsed = await readRequest(request);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'FST_REQ_FILE_TOO_LARGE') throw new ConvertError('INPUT_TOO_LARGE', `the upload is larger than ${limit} bytes`);
      throw e;
    }
    let job: JobView;
    try {
      job = svc.submit(parsed.req);
    } catch (e) {
      withRetryAfter(reply, e);
    }
    if (!parsed.wait) return reply.code(202).send({ job });
    const done = await svc.wait(job.id);
    if (done.status !== 'succeeded') throw failed(done);
    return { job: done, result: `/api/jobs/${done.id}/result` };
  });
};
