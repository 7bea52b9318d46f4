// One structured log line per request: method, route pattern, status, time. Never the query
// string (the UI link carries the token), never headers (Authorization, cookies), never bodies.
import type { ServerPlugin } from './types.js';

export const requestLog: ServerPlugin = (app, ctx) => {
  app.addHook('onResponse', async (request, reply) => {
    ctx.logger.info({
      method: request.method,
      route: request.routeOptions.url ?? '(unmatched)',
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
    }, 'request');
  });
};
