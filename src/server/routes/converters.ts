// GET /api/converters: what can be converted into what, with each converter's options schema.
// The list comes from a ready worker (the server never imports converter code).
import { FORMATS } from '../../convert/index.js';
import { jobService } from './jobs.js';
import type { RoutePlugin } from './types.js';

export const convertersRoutes: RoutePlugin = async (app, ctx) => {
  app.get('/api/converters', async () => {
    const converters = await jobService(ctx).catalog();
    const formats = Object.fromEntries(Object.entries(FORMATS).map(([id, f]) => [id, { mediaType: f.mediaType, ext: f.ext }]));
    return { converters, formats };
  });
};
