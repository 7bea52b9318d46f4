// First check on every request: the request target is read once, strictly (../request-target.ts),
// and a target that is not a plain, normal path is refused with 400 before anything else —
// rate limit, Host/Origin, token or route — looks at it. Later checks use targetOf(request).
import type { FastifyRequest } from 'fastify';
import { HttpError } from '../errors.js';
import { readTarget } from '../request-target.js';
import { syncOnRequest, type ServerPlugin } from './types.js';

export interface Target { path: string; rawPath: string; query: string }

const targets = new WeakMap<FastifyRequest, Target>();

/** The decoded, normal path (and the raw path and query) of a request that passed this plugin. */
export function targetOf(request: FastifyRequest): Target {
  const known = targets.get(request);
  if (known) return known;
  const t = readTarget(request.raw.url ?? '');
  // Unreachable for requests that went through the hook; refuse rather than guess.
  if (!t.ok) throw new HttpError(400, 'BAD_REQUEST_TARGET', t.reason);
  return t;
}

export const requestTarget: ServerPlugin = (app) => {
  app.addHook('onRequest', syncOnRequest((request) => {
    const t = readTarget(request.raw.url ?? '');
    if (!t.ok) throw new HttpError(400, 'BAD_REQUEST_TARGET', `${t.reason} (refused before routing: a path must decode to exactly one path)`);
    targets.set(request, { path: t.path, rawPath: t.rawPath, query: t.query });
  }));
};
