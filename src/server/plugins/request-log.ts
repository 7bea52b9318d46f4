// Structured request logs: method, route pattern, status, time. Never the query string (the UI
// link carries the token), never headers (Authorization, cookies), never bodies.
// Refusals (4xx/5xx: bad Host, bad Origin, no token, rate limit…) are logged at info — they are
// security-relevant; ordinary requests only at debug, so a busy UI does not flood the log.
import type { ServerPlugin } from './types.js';

export const requestLog: ServerPlugin = (app, ctx) => {
  if (!ctx.logger.isLevelEnabled('info')) return; // no hook at all when nothing would be logged
  const everything = ctx.logger.isLevelEnabled('debug');
  app.addHook('onResponse', async (request, reply) => {
    const refused = reply.statusCode >= 400;
    if (!refused && !everything) return;
    const entry = {
      method: request.method,
      route: request.routeOptions.url ?? '(unmatched)',
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
    };
    if (refused) ctx.logger.info(entry, 'request refused');
    else ctx.logger.debug(entry, 'request');
  });
};
