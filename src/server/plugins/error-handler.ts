// JSON errors with stable codes for everything: thrown errors, hook rejections, 404s, and
// Fastify's framework errors (bad URL encoding…).
import { HttpError, mapError } from '../errors.js';
import type { ServerPlugin } from './types.js';

export const errorHandler: ServerPlugin = (app, ctx) => {
  app.setErrorHandler((err, request, reply) => {
    const mapped = mapError(err);
    if (mapped.internal) ctx.logger.error({ err, method: request.method, route: request.routeOptions.url ?? null }, 'request failed');
    void reply.code(mapped.status).type('application/json; charset=utf-8').send(mapped.body);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?', 1)[0] as string;
    const mapped = mapError(new HttpError(404, 'NOT_FOUND', `no route ${request.method} ${path.slice(0, 200)}`));
    void reply.code(404).type('application/json; charset=utf-8').send(mapped.body);
  });
};
