// POST /api/security/verify — run every isolation check now (token required, like every
// /api route but health) and answer with the fresh report. Concurrent requests share one run;
// the rate limit plugin keeps anyone from turning the canary into a load generator.
import { HttpError } from '../errors.js';
import type { RoutePlugin } from './types.js';

export const securityVerifyRoutes: RoutePlugin = async (app, ctx) => {
  app.post('/api/security/verify', async () => {
    if (!ctx.isolation) {
      throw new HttpError(503, 'VERIFY_UNAVAILABLE', 'isolation verification is not wired into this server; nothing was verified');
    }
    const report = await ctx.isolation.verify();
    return { isolation: await ctx.isolation.summary(), report };
  });
};
