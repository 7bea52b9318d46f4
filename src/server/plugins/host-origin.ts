// DNS-rebinding and cross-origin protection. Runs BEFORE the rate limit: a request another web
// page makes the user's browser send is refused without spending the owner's budget (an image
// tag loop on any site would otherwise lock the owner out with 429s).
// - Host must be one of our loopback spellings with our port, else 421 (a rebound name such as
//   attacker.example → 127.0.0.1 arrives with the attacker's Host).
// - Any request with an Origin but ours gets 403 (a form, fetch or script from another site,
//   including another port on localhost, which is "same-site" but not same-origin; `null`).
// - Without an Origin, Fetch Metadata says where a browser request comes from: `cross-site` and
//   `same-site` get 403 — except a top-level navigation to a UI page (a link the user clicked:
//   it carries no cookie, SameSite=Strict, and can change nothing). A CLI sends neither header.
// - CORS headers only ever name our own origins.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../errors.js';
import { allowedHostHeaders, allowedOrigins, isIpLiteralHost } from '../loopback.js';
import { targetOf } from './request-target.js';
import { listeningPort, syncOnRequest, type ServerPlugin } from './types.js';

/** A link the user followed from another site to a page of the UI (not the API). */
function isTopLevelNavigation(request: FastifyRequest): boolean {
  const h = request.headers;
  return (request.method === 'GET' || request.method === 'HEAD') && h['sec-fetch-mode'] === 'navigate' && h['sec-fetch-dest'] === 'document'
    && !targetOf(request).path.toLowerCase().startsWith('/api/');
}

export const hostOriginCheck: ServerPlugin = (app, ctx) => {
  let cachedPort = -1;
  let hosts = new Set<string>();
  let origins = new Set<string>();
  const refresh = () => {
    const port = listeningPort(app, ctx);
    if (port !== cachedPort) {
      cachedPort = port;
      hosts = allowedHostHeaders(port);
      origins = allowedOrigins(port);
    }
    return port;
  };

  const hostAllowed = (host: string, port: number) =>
    hosts.has(host) || (ctx.bind?.nonLoopback === true && isIpLiteralHost(host, port));
  const originAllowed = (origin: string, host: string, port: number) =>
    origins.has(origin) || (ctx.bind?.nonLoopback === true && isIpLiteralHost(host, port) && origin === `http://${host}`);

  app.addHook('onRequest', syncOnRequest((request: FastifyRequest, reply: FastifyReply) => {
    const port = refresh();
    const host = (request.headers.host ?? '').toLowerCase();
    if (!hostAllowed(host, port)) {
      throw new HttpError(421, 'HOST_NOT_ALLOWED', `requests must be addressed to 127.0.0.1:${port}, localhost:${port} or [::1]:${port} (DNS-rebinding protection)`);
    }
    const originHeader = request.headers.origin;
    const origin = originHeader?.toLowerCase().replace(/\/$/, '');
    const ours = origin !== undefined && originAllowed(origin, host, port);

    if (request.method === 'OPTIONS') {
      // CORS preflight: only our own origins (e.g. a page on localhost:PORT calling 127.0.0.1:PORT).
      if (!ours) throw new HttpError(403, 'ORIGIN_NOT_ALLOWED', 'cross-origin requests are not allowed');
      void reply
        .code(204)
        .header('access-control-allow-origin', originHeader)
        .header('access-control-allow-methods', 'GET, POST, PUT, PATCH, DELETE')
        .header('access-control-allow-headers', 'authorization, content-type')
        .header('access-control-max-age', '600')
        .header('vary', 'origin')
        .send();
      return reply;
    }
    if (origin !== undefined && !ours) throw new HttpError(403, 'ORIGIN_NOT_ALLOWED', `requests from origin ${origin} are not accepted here`);
    if (!ours) {
      const site = request.headers['sec-fetch-site'];
      if ((site === 'cross-site' || site === 'same-site') && !isTopLevelNavigation(request)) {
        throw new HttpError(403, 'ORIGIN_NOT_ALLOWED', `${site} requests are not accepted here (only this server's own pages may call it)`);
      }
    }
    if (ours && originHeader) {
      reply.header('access-control-allow-origin', originHeader);
      reply.header('vary', 'origin');
    }
  }));
};
