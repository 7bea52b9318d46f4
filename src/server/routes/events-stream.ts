// GET /api/security/events/stream — Server-Sent Events: one `security_event` per recorded row,
// in id order, live. Resume with `?afterId=N` or the `Last-Event-ID` header (EventSource does
// this by itself on reconnect): rows after that id are replayed first from the store.
// Aggregated rows (a flood folded into one row) send `security_event_update` with the new
// count and no `id:` line, so a resume point is always an inserted row.
import { z } from 'zod';
import { SECURITY_EVENT_TYPES, type RecordedChange, type SecurityEvent } from '../../events/index.js';
import { openSse, sendSse, StreamSlots } from './sse.js';
import type { RoutePlugin } from './types.js';

export { HEARTBEAT_MS, MAX_BUFFERED_BYTES } from './sse.js';
/** Concurrent streams per server: each holds a socket and a store listener. */
export const MAX_STREAMS = 32;
/** Rows replayed on connect/resume at most (the client can page the rest via /api/security/events). */
export const REPLAY_LIMIT = 1000;

const streamQuery = z.object({
  afterId: z.coerce.number().int().min(0).optional(),
  type: z.union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.enum(SECURITY_EVENT_TYPES)))
    .optional(),
}).strict();

/** One SSE frame. JSON never contains a raw newline, so `data:` is a single line. */
export function formatSse(event: SecurityEvent, change: RecordedChange): string {
  if (change === 'aggregated') return `event: security_event_update\ndata: ${JSON.stringify(event)}\n\n`;
  return `id: ${event.id}\nevent: security_event\ndata: ${JSON.stringify(event)}\n\n`;
}

export const eventsStreamRoutes: RoutePlugin = async (app, ctx) => {
  const slots = new StreamSlots(MAX_STREAMS, 'event');

  app.get('/api/security/events/stream', async (request, reply) => {
    const q = streamQuery.parse(request.query);
    const lastEventId = request.headers['last-event-id'];
    const headerId = typeof lastEventId === 'string' && /^\d+$/.test(lastEventId) ? Number(lastEventId) : undefined;
    const afterId = q.afterId ?? headerId;
    const types = q.type?.length ? new Set(q.type) : null;
    const release = slots.take();

    let lastSent = afterId ?? 0;
    // Subscribe before replaying: the store is synchronous, so nothing can slip in between, and
    // `lastSent` filters any row that is both replayed and delivered live.
    const queued: [SecurityEvent, RecordedChange][] = [];
    let replaying = true;
    const unsubscribe = ctx.store.onRecorded((ev, change) => {
      if (replaying) queued.push([ev, change]);
      else send(ev, change);
    });
    const stream = openSse(reply, () => { release(); unsubscribe(); });
    const send = (ev: SecurityEvent, change: RecordedChange): void => {
      if (types && !types.has(ev.type)) return;
      if (change === 'inserted') {
        if (ev.id <= lastSent) return; // already replayed
        lastSent = ev.id;
      }
      stream.write(formatSse(ev, change));
    };

    if (afterId !== undefined) {
      const page = ctx.store.query({ afterId, order: 'asc', limit: REPLAY_LIMIT, ...(types ? { type: [...types] } : {}) });
      for (const ev of page.events) send(ev, 'inserted');
    }
    replaying = false;
    for (const [ev, change] of queued.splice(0)) send(ev, change);

    return sendSse(reply, stream);
  });
};
