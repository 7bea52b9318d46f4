// The Fastify app: security plugins first (their hooks run on every request, 404s included),
// then every route module in its own scope.
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { AppContext } from './context.js';
import { PLUGINS, SECURITY_HEADERS } from './plugins/index.js';
import { routes as defaultRoutes, type RoutePlugin } from './routes/index.js';
import { mapError } from './errors.js';
import { clientErrorHandler } from './client-error.js';
import { guardConnections } from './connection-guard.js';

/** One registered route as the router sees it (HEAD routes Fastify adds for GET included). */
export interface RouteEntry {
  method: string;
  /** The pattern, e.g. /api/jobs/:id */
  url: string;
}

const ROUTE_TABLES = new WeakMap<FastifyInstance, RouteEntry[]>();

/** Every route of an app built by buildApp(), from Fastify's own registration hook (not a hand list). */
export function routeTable(app: FastifyInstance): readonly RouteEntry[] {
  return ROUTE_TABLES.get(app) ?? [];
}

export interface BuildOptions {
  /** Route modules to register (default: routes/index.ts). */
  routes?: readonly RoutePlugin[];
}

/** Largest JSON/text body any route accepts; uploads set their own limit per route (config.uploadLimitBytes). */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

export async function buildApp(ctx: AppContext, opts: BuildOptions = {}): Promise<FastifyInstance> {
  const http = ctx.config.http;
  const app = Fastify({
    // Issue 13 item 5: nothing may hold a connection for free. Headers and the whole request
    // (body included: a slow upload) must arrive in time; an idle keep-alive connection and a
    // connection with no traffic at all are closed. Node checks the first two every second.
    requestTimeout: http.requestTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
    connectionTimeout: http.idleTimeoutMs,
    http: { headersTimeout: http.headersTimeoutMs, connectionsCheckingInterval: 1000 },
    logger: false, // our own privacy-aware request log (plugins/request-log.ts) uses ctx.logger
    trustProxy: false, // request.ip is the socket's peer: there is no proxy in front of a loopback server
    bodyLimit: DEFAULT_BODY_LIMIT,
    return503OnClosing: true,
    clientErrorHandler,
    forceCloseConnections: true,
    // Malformed URLs and the like: same JSON shape and headers as every other error.
    frameworkErrors: (error, _request, reply) => {
      const mapped = mapError(error);
      // Its reply type is generic over an unknown route schema; it is an ordinary reply.
      // onSend hooks do not run for these: the no-store every error carries is set here too.
      void (reply as unknown as FastifyReply).code(mapped.status).headers(SECURITY_HEADERS).header('cache-control', 'no-store').send(mapped.body);
    },
  });
  guardConnections(app.server, { maxPerAddress: http.maxConnectionsPerIp, maxTotal: http.maxConnections });
  const table: RouteEntry[] = [];
  ROUTE_TABLES.set(app, table);
  app.addHook('onRoute', (r) => { for (const method of [r.method].flat()) table.push({ method, url: r.url }); });
  for (const plugin of PLUGINS) await plugin(app, ctx);
  for (const route of opts.routes ?? defaultRoutes) {
    await app.register(async (scope) => { await route(scope, ctx); });
  }
  await app.ready();
  return app;
}
