// GET /api/converters: every converter, and every from→to pair with its options schema (JSON Schema).
// The list comes from a ready worker (the server never imports converter code). System converters
// (LibreOffice, pandoc…) carry `available` and, when their program is missing, the reason with
// the apt package; `systemTools` lists the programs found at start-up with their versions.
import { FORMATS } from '../../convert/index.js';
import { jobService } from './jobs.js';
import type { RoutePlugin } from './types.js';

export const convertersRoutes: RoutePlugin = async (app, ctx) => {
  app.get('/api/converters', async () => {
    const svc = jobService(ctx);
    const [converters, tools] = await Promise.all([svc.catalog(), svc.systemTools()]);
    const formats = Object.fromEntries(Object.entries(FORMATS).map(([id, f]) => [id, { mediaType: f.mediaType, ext: f.ext }]));
    // Every pair with the options schema of the converter that handles it (the first built-in
    // that supports it, as in the worker; user converters only when named).
    const seen = new Set<string>();
    const pairs = [];
    for (const c of [...converters.filter((x) => x.origin === 'builtin'), ...converters.filter((x) => x.origin !== 'builtin')]) {
      for (const [from, to] of c.pairs) {
        const key = `${c.origin === 'builtin' ? '' : c.id}:${from}:${to}`;
        if (seen.has(key)) continue;
        seen.add(key);
        pairs.push({ from, to, converter: c.id, origin: c.origin, options: c.options });
      }
    }
    const systemTools = tools.tools.map((t) => ({ id: t.id, name: t.name, available: t.available, version: t.version, reason: t.reason, apt: t.apt }));
    return { converters, pairs, formats, systemTools };
  });
};
