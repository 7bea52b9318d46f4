// Per-client-IP rate limit (default 100 requests/minute) on every request, 404s included, and
// BEFORE the Host and token checks — so guessing tokens is rate-limited too. 429 + Retry-After.
import rateLimit from '@fastify/rate-limit';
import { HttpError } from '../errors.js';
import type { ServerPlugin } from './types.js';

export const rateLimiter: ServerPlugin = async (app, ctx) => {
  await app.register(rateLimit, {
    global: false, // installed below as one root hook instead of per route, to run first
    max: ctx.config.rateLimit.max,
    timeWindow: ctx.config.rateLimit.windowMs,
    keyGenerator: (request) => request.ip,
    errorResponseBuilder: (_request, c) =>
      new HttpError(429, 'RATE_LIMITED', `too many requests: at most ${c.max} per ${Math.round(ctx.config.rateLimit.windowMs / 1000)} s; retry in ${c.after}`),
  });
  app.addHook('onRequest', app.rateLimit());
};
