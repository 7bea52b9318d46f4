// The web UI: static files from web/ (no external resources; see web/README note in index.html).
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import { packageRoot } from '../../version.js';
import type { RoutePlugin } from './types.js';

export const uiRoutes: RoutePlugin = async (app) => {
  await app.register(fastifyStatic, {
    root: join(packageRoot, 'web'),
    prefix: '/',
    index: ['index.html'],
    dotfiles: 'deny',
    // No directory listings, no serving outside web/ (the plugin resolves and checks paths).
    list: false,
    wildcard: true,
  });
};
