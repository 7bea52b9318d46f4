// Every /api/* route but GET /api/health needs the token: `Authorization: Bearer <token>` (CLI,
// scripts) or the HttpOnly SameSite=Strict cookie the server sets when the UI is opened with
// ?token=… (the URL `hermetic serve` prints). The token is then removed from the address bar
// by a redirect, so it does not linger in history. The cookie is read and written here
// directly: one cookie in one place does not need a cookie plugin's hooks on every request.
//
// What is authorised is what the ROUTER matched (request.routeOptions.url, the registered
// pattern), never the raw URL: `/%61pi/jobs` is the route /api/jobs and needs the token like it.
// A request that matched no route is judged by its decoded path (plugins/request-target.ts),
// so unknown /api paths — in any spelling — answer 401, not "no such route".
import type { FastifyRequest } from 'fastify';
import { HttpError } from '../errors.js';
import { tokenMatches } from '../token.js';
import { targetOf } from './request-target.js';
import { listeningPort, syncOnRequest, type ServerPlugin } from './types.js';

/** Public API routes (method + route pattern). Keep this list short. */
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

/** True when the request carries the right token (header or cookie). For the rate limiter's owner bucket. */
export function presentsToken(request: FastifyRequest, token: string, port: number): boolean {
  const presented = bearer(request) ?? cookieValue(request.headers.cookie, cookieName(port));
  return !!presented && tokenMatches(presented, token);
}

/** An API request: by the matched route, or (no route matched) by the decoded path, in any letter case. */
function isApi(request: FastifyRequest): { api: boolean; route: string | null } {
  const route = request.routeOptions.url ?? null;
  if (route !== null) return { api: route.startsWith('/api/'), route };
  return { api: targetOf(request).path.toLowerCase().startsWith('/api/'), route };
}

/**
 * Where to send the browser once the token is out of the query: the same path on THIS origin.
 * The path passed request-target (starts with one '/', no '//', no '\'), so it cannot be read
 * as `//other.host/`; checked again here because an open redirect is the cost of a mistake.
 */
function sameOriginLocation(rawPath: string, rest: URLSearchParams): string {
  const path = /^\/(?![/\\])/.test(rawPath) ? rawPath : '/';
  const qs = rest.toString();
  return qs ? `${path}?${qs}` : path;
}

export const tokenAuth: ServerPlugin = (app, ctx) => {
  app.addHook('onRequest', syncOnRequest((request, reply) => {
    const port = listeningPort(app, ctx);
    const { api, route } = isApi(request);

    if (!api) {
      // Opening the UI with ?token=: set the cookie (if the token is right) and drop it from the
      // URL — every `token` parameter, however many were sent.
      const target = targetOf(request);
      if ((request.method === 'GET' || request.method === 'HEAD') && target.query) {
        const params = new URLSearchParams(target.query);
        const tokens = params.getAll('token');
        if (tokens.length) {
          // Several values: only if every one is the token (no "one of them was right").
          if (tokens.every((t) => tokenMatches(t, ctx.token))) {
            void reply.header('set-cookie', setCookieHeader(cookieName(port), ctx.token));
          }
          params.delete('token');
          void reply.redirect(sameOriginLocation(target.rawPath, params), 303);
          return reply;
        }
      }
      return;
    }
    if (route !== null && PUBLIC_API.has(`${request.method} ${route}`)) return;

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
