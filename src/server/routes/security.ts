// GET /api/security/network-status — the full isolation picture (verification report when the
// verify module provides one, the monitor's state, event counts).
// GET /api/security/events — the security-event log with filters and paging.
import { z } from 'zod';
import { SECURITY_EVENT_TYPES, SEVERITIES } from '../../events/index.js';
import { isolationSummary } from '../isolation-default.js';
import type { RoutePlugin } from './types.js';

/** `a,b` or repeated `?type=a&type=b`. */
const listParam = <T extends readonly [string, ...string[]]>(values: T) =>
  z.union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values)))
    .optional();

const eventsQuery = z.object({
  type: listParam(SECURITY_EVENT_TYPES),
  severity: listParam(SEVERITIES as unknown as readonly ['info', 'warning', 'critical']),
  since: z.string().optional(),
  until: z.string().optional(),
  afterId: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
  order: z.enum(['asc', 'desc']).default('desc'),
}).strict();

export const securityRoutes: RoutePlugin = async (app, ctx) => {
  app.get('/api/security/network-status', async () => ({
    isolation: await isolationSummary(ctx),
    report: ctx.isolation ? await ctx.isolation.report() : null,
    monitor: ctx.monitor?.state() ?? null,
    events: { counts: ctx.store.counts(), blockedAttempts: ctx.store.blockedAttempts(), droppedSinceStart: ctx.store.dropped },
    bind: ctx.bind,
  }));

  app.get('/api/security/events', async (request) => {
    const q = eventsQuery.parse(request.query);
    return ctx.store.query({
      ...q,
      type: q.type?.length ? q.type : undefined,
      severity: q.severity?.length ? q.severity : undefined,
    });
  });
};
