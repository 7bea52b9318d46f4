import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';

/** Installed on the root instance (not encapsulated), so its hooks cover every route and 404s. */
export type ServerPlugin = (app: FastifyInstance, ctx: AppContext) => void | Promise<void>;

/** The port the server really listens on (port 0 and inherited fds resolve here). */
export function listeningPort(app: FastifyInstance, ctx: AppContext): number {
  const a = app.server.address();
  if (a && typeof a === 'object') return a.port;
  return ctx.bind?.port ?? ctx.config.port;
}
