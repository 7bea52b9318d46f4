import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';

/** A route module: registered in its own encapsulated scope, after every security plugin. */
export type RoutePlugin = (app: FastifyInstance, ctx: AppContext) => Promise<void>;
