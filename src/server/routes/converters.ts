// GET /api/converters: every converter, and every from→to pair with its options schema (JSON Schema).
// The list comes from a ready worker (the server never imports converter code).
import { FORMATS } from '../../convert/index.js';
import { jobService } from './jobs.js';
import type { RoutePlugin } from './types.js';

export const convertersRoutes: RoutePlugin = async (app, ctx) => {
  app.get('/api/converters', async () => {
    const converters = await jobService(ctx).catalog();
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
    return { converters, pairs, formats };
  });
};
