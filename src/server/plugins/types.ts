import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';

/** Installed on the root instance (not encapsulated), so its hooks cover every route and 404s. */
export type ServerPlugin = (app: FastifyInstance, ctx: AppContext) => void | Promise<void>;

/** The port the server really listens on (port 0 and inherited fds resolve here). */
export function listeningPort(app: FastifyInstance, ctx: AppContext): number {
  // ctx.bind is set once listening; address() is a getsockname() syscall, too dear per request.
  if (ctx.bind) return ctx.bind.port;
  const a = app.server.address();
  if (a && typeof a === 'object') return a.port;
  return ctx.config.port;
}
