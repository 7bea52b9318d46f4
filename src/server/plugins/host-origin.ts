// DNS-rebinding and cross-origin protection.
// - Host must be one of our loopback spellings with our port, else 421 (a rebound name such as
//   attacker.example → 127.0.0.1 arrives with the attacker's Host).
// - A state-changing request with any Origin but ours gets 403 (a form or fetch from another
//   site, including another port on localhost, which is "same-site" but not same-origin).
// - CORS headers only ever name our own origins.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../errors.js';
import { allowedHostHeaders, allowedOrigins, isIpLiteralHost } from '../loopback.js';
import { listeningPort, syncOnRequest, type ServerPlugin } from './types.js';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

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
    if (STATE_CHANGING.has(request.method)) {
      if (origin !== undefined && !ours) throw new HttpError(403, 'ORIGIN_NOT_ALLOWED', `requests from origin ${origin} may not change anything here`);
      // Browsers that send Fetch Metadata tell us directly; a CLI sends neither header.
      if (request.headers['sec-fetch-site'] === 'cross-site') throw new HttpError(403, 'ORIGIN_NOT_ALLOWED', 'cross-site requests may not change anything here');
    }
    if (ours && originHeader) {
      reply.header('access-control-allow-origin', originHeader);
      reply.header('vary', 'origin');
    }
  }));
};
