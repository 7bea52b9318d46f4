// GET /api/system/info — versions and where things are, for bug reports and the UI footer.
import { arch, platform, release } from 'node:os';
import { version } from '../../version.js';
import type { RoutePlugin } from './types.js';

export const systemRoutes: RoutePlugin = async (app, ctx) => {
  app.get('/api/system/info', async () => {
    const m = ctx.monitor?.state();
    return {
      version,
      node: process.version,
      versions: { node: process.versions.node, v8: process.versions.v8, sqlite: ctx.store.driver },
      platform: platform(),
      arch: arch(),
      kernel: release(),
      pid: process.pid,
      startedAt: ctx.startedAt,
      dataDir: ctx.config.dataDir,
      strictness: ctx.config.strictness,
      bind: ctx.bind,
      networkMonitoring: m
        ? { available: true, active: m.active, since: m.since, sources: m.sources }
        : { available: false, active: false, since: null, reason: 'the runtime monitor is not running in this server' },
    };
  });
};
