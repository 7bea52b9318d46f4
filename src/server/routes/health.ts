// GET /api/health — public (no token): liveness, version, and the isolation indicator.
// `offline: true` is a statement about the application (it makes no network requests by
// design); whether that is *verified* is the isolation block's job.
import { version } from '../../version.js';
import { isolationSummary } from '../isolation-default.js';
import type { RoutePlugin } from './types.js';

export const healthRoutes: RoutePlugin = async (app, ctx) => {
  app.get('/api/health', async () => ({
    status: 'ok',
    version,
    offline: true,
    exposure: ctx.bind?.nonLoopback ? 'non-loopback' : 'loopback',
    isolation: await isolationSummary(ctx),
  }));
};
