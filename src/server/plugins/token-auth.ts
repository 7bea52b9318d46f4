// Every /api/* route but GET /api/health needs the token: `Authorization: Bearer <token>` (CLI,
// scripts) or the HttpOnly SameSite=Strict cookie the server sets when the UI is opened with
// ?token=… (the URL `hermetic serve` prints). The token is then removed from the address bar
// by a redirect, so it does not linger in history. The cookie is read and written here
// directly: one cookie in one place does not need a cookie plugin's hooks on every request.
import type { FastifyRequest } from 'fastify';
import { HttpError } from '../errors.js';
import { tokenMatches } from '../token.js';
import { listeningPort, syncOnRequest, type ServerPlugin } from './types.js';

/** Public API routes (method + path). Keep this list short. */
const PUBLIC_API = new Set(['GET /api/health', 'HEAD /api/health']);

/** One cookie per port, so two Hermetic servers on one machine do not overwrite each other's. */
export const cookieName = (port: number) => `hermetic_token_${port}`;

/** The value of one cookie from the Cookie header (our values are hex: no quoting or decoding). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/** HttpOnly (no script can read it), SameSite=Strict (no other site's request carries it). No Max-Age: a session cookie. */
const setCookieHeader = (name: string, value: string) => `${name}=${value}; Path=/; HttpOnly; SameSite=Strict`;

function bearer(request: FastifyRequest): string | null {
  const h = request.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? (m[1] as string) : '';
}

export const tokenAuth: ServerPlugin = (app, ctx) => {
  app.addHook('onRequest', syncOnRequest((request, reply) => {
    const path = request.url.split('?', 1)[0] as string;
    const port = listeningPort(app, ctx);

    if (!path.startsWith('/api/')) {
      // Opening the UI with ?token=: set the cookie (if the token is right) and drop it from the URL.
      const q = request.query as Record<string, unknown> | undefined;
      if ((request.method === 'GET' || request.method === 'HEAD') && q && typeof q.token === 'string') {
        if (tokenMatches(q.token, ctx.token)) {
          void reply.header('set-cookie', setCookieHeader(cookieName(port), ctx.token));
        }
        const rest = new URLSearchParams(request.url.slice(path.length + 1));
        rest.delete('token');
        const qs = rest.toString();
        void reply.redirect(qs ? `${path}?${qs}` : path, 303);
        return reply;
      }
      return;
    }
    if (PUBLIC_API.has(`${request.method} ${path}`)) return;

    const presented = bearer(request);
    if (presented !== null) {
      // A wrong Authorization header is not rescued by a cookie: the caller meant that token.
      if (!tokenMatches(presented, ctx.token)) throw new HttpError(401, 'TOKEN_INVALID', 'the API token is wrong');
      return;
    }
    const cookie = cookieValue(request.headers.cookie, cookieName(port));
    if (cookie !== undefined) {
      if (!tokenMatches(cookie, ctx.token)) throw new HttpError(401, 'TOKEN_INVALID', 'the API token cookie is wrong; open the URL printed by `hermetic serve` again');
      return;
    }
    throw new HttpError(401, 'TOKEN_REQUIRED', 'this API needs the token: send `Authorization: Bearer <token>` (the token is in the data dir, file `token`) or open the URL printed by `hermetic serve`');
  }));
};
