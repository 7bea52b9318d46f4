// Job API: GET /api/jobs, GET /api/jobs/:id, GET /api/jobs/:id/result (download; the result is
// deleted once sent), DELETE /api/jobs/:id (cancel a queued job or discard a result).
import { createReadStream } from 'node:fs';
import type { FastifyReply } from 'fastify';
import { create as dispositionHeader } from 'content-disposition';
import { ConvertService, ConvertError } from '../../convert/index.js';
import { HttpError } from '../errors.js';
import type { AppContext } from '../context.js';
import type { RoutePlugin } from './types.js';

/** The job service on the context, or a 503 that says it is not running (never a pretend success). */
export function jobService(ctx: AppContext): ConvertService {
  if (ctx.jobs instanceof ConvertService) return ctx.jobs;
  throw new HttpError(503, 'CONVERSIONS_UNAVAILABLE', 'the conversion service is not running in this server');
}

/** Set Retry-After for a full queue / a refused isolation, then let the error handler answer. */
export function withRetryAfter(reply: FastifyReply, e: unknown): never {
  if (e instanceof ConvertError && e.code === 'QUEUE_FULL') void reply.header('retry-after', String(e.extra.retryAfterSec ?? 5));
  throw e;
}

const ID = /^[0-9a-f-]{36}$/;

function idParam(params: unknown): string {
  const id = (params as { id?: string }).id ?? '';
  if (!ID.test(id)) throw new ConvertError('JOB_NOT_FOUND', 'no such job');
  return id;
}

/**
 * RFC 6266 `attachment` with an ASCII fallback and a UTF-8 filename* (jshttp/content-disposition).
 * A name is made well-formed first: a lone surrogate (a name cut in the middle of an emoji)
 * would make the percent-encoding throw — a 500 for a name the user chose.
 */
export function contentDisposition(name: string): string {
  const wellFormed = name.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  return dispositionHeader(wellFormed, { type: 'attachment' });
}

/**
 * A job this server process does not hold (it ran in an earlier process) from its stored row:
 * the same shape as a live job, with what the row does not keep (formats, layers, result) null.
 */
function archivedJob(ctx: AppContext, id: string): Record<string, unknown> | null {
  const r = ctx.store.jobs.get(id);
  if (!r) return null;
  return {
    id: r.id, status: r.status, converter: r.converter === 'auto' ? null : r.converter, from: null, to: null,
    inputBytes: r.inputBytes ?? 0, outputBytes: r.outputBytes ?? null, queuedAt: r.queuedAt ?? null, startedAt: r.startedAt ?? null,
    finishedAt: r.finishedAt ?? null, durationMs: r.durationMs ?? null,
    error: r.errorCode ? { code: r.errorCode, message: r.errorMessage ?? '' } : null,
    layers: [], result: null, info: null, warnings: [], family: null, inputs: null, archived: true,
  };
}

export const jobsRoutes: RoutePlugin = async (app, ctx) => {
  app.get('/api/jobs', async () => ({ jobs: jobService(ctx).list(), stats: jobService(ctx).stats() }));

  app.get('/api/jobs/:id', async (request) => {
    const id = idParam(request.params);
    // A job of an earlier run (e.g. `interrupted` by a crash) is still answered from its row.
    const job = jobService(ctx).get(id) ?? archivedJob(ctx, id);
    if (!job) throw new ConvertError('JOB_NOT_FOUND', 'no such job');
    return { job };
  });

  app.get('/api/jobs/:id/result', async (request, reply) => {
    const svc = jobService(ctx);
    const id = idParam(request.params);
    const r = svc.result(id);
    // Every header before the file is opened: a header that throws must not strand an open
    // descriptor (it did: one leaked fd per request).
    void reply
      .header('content-type', r.mediaType)
      .header('content-length', String(r.bytes))
      .header('content-disposition', contentDisposition(r.name))
      .header('x-content-type-options', 'nosniff');
    const stream = createReadStream(r.path);
    // Results are single-download: delete once the bytes are out (or the client went away).
    stream.once('close', () => { svc.discardResult(id); });
    return reply.send(stream);
  });

  app.delete('/api/jobs/:id', async (request) => {
    const svc = jobService(ctx);
    const id = idParam(request.params);
    if (!svc.get(id)) throw new ConvertError('JOB_NOT_FOUND', 'no such job');
    const cancelled = svc.cancel(id);
    const discarded = svc.discardResult(id);
    return { id, cancelled, discarded };
  });
};
