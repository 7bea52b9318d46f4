import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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

/**
 * A synchronous onRequest check as a callback-style Fastify hook. The checks on every request
 * do no I/O; an async hook would cost a promise round trip per request (bench/server.ts).
 * The check throws an HttpError to refuse, returns the reply when it has answered itself
 * (a redirect, a CORS preflight), or nothing to let the request through.
 */
export function syncOnRequest(check: (request: FastifyRequest, reply: FastifyReply) => FastifyReply | void) {
  return (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void): void => {
    let answered: FastifyReply | void;
    try {
      answered = check(request, reply);
    } catch (e) {
      done(e as Error);
      return;
    }
    if (answered !== reply) done();
  };
}
