// GET /api/health — public (no token): liveness, version, and the isolation indicator.
// `offline: true` is a statement about the application (it makes no network requests by
// design); whether that is *verified* is the isolation block's job.
//
// The UI and `hermetic status` poll this, so the body is cached for a moment; a newly
// recorded security event invalidates it at once.
import { version } from '../../version.js';
import { isolationSummary } from '../isolation-default.js';
import type { RoutePlugin } from './types.js';

const CACHE_MS = 250;

export const healthRoutes: RoutePlugin = async (app, ctx) => {
  let cached: { at: number; body: string } | null = null;
  const unsubscribe = ctx.store.onRecorded(() => { cached = null; });
  app.addHook('onClose', async () => { unsubscribe(); });

  app.get('/api/health', async (_request, reply) => {
    const now = Date.now();
    if (!cached || now - cached.at >= CACHE_MS) {
      cached = {
        at: now,
        body: JSON.stringify({
          status: 'ok',
          version,
          offline: true,
          exposure: ctx.bind?.nonLoopback ? 'non-loopback' : 'loopback',
          isolation: await isolationSummary(ctx),
        }),
      };
    }
    return reply.type('application/json; charset=utf-8').send(cached.body);
  });
};
