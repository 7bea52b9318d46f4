// Per-client rate limit (default 100 requests/minute) on every request that passed the Host and
// Origin checks, 404s included, and BEFORE the token check — so guessing tokens is rate-limited
// too. 429 + Retry-After. Requests that carry the right token count in a budget of their own:
// every local process shares 127.0.0.1, and anonymous requests (or wrong guesses) from one of
// them must not lock the owner's UI and CLI out.
import rateLimit from '@fastify/rate-limit';
import { HttpError } from '../errors.js';
import { presentsToken } from './token-auth.js';
import { listeningPort, type ServerPlugin } from './types.js';

/** The owner's bucket key: not an IP address, so no client can be keyed into it by address. */
const OWNER_KEY = 'owner (valid token)';

export const rateLimiter: ServerPlugin = async (app, ctx) => {
  await app.register(rateLimit, {
    global: false, // installed below as one root hook instead of per route, to run first
    max: ctx.config.rateLimit.max,
    timeWindow: ctx.config.rateLimit.windowMs,
    keyGenerator: (request) => (presentsToken(request, ctx.token, listeningPort(app, ctx)) ? OWNER_KEY : request.ip),
    errorResponseBuilder: (_request, c) =>
      new HttpError(429, 'RATE_LIMITED', `too many requests: at most ${c.max} per ${Math.round(ctx.config.rateLimit.windowMs / 1000)} s; retry in ${c.after}`),
  });
  app.addHook('onRequest', app.rateLimit());
};
