// GET /api/jobs/stream — Server-Sent Events: one `job` event (the JobView, as GET /api/jobs/:id
// gives it) for every status or progress change of every job, live. On connect, the jobs still
// queued or running are sent first, so a client that (re)connects knows where they stand; a
// job that finished while a client was away is one GET /api/jobs/:id away. No file contents,
// and file names only as the job view carries them (the suggested result name).
import { jobService } from './jobs.js';
import { openSse, sendSse, StreamSlots } from './sse.js';
import type { JobView } from '../../convert/index.js';
import type { RoutePlugin } from './types.js';

/** Concurrent job streams per server (the UI opens one per tab). */
export const MAX_JOB_STREAMS = 16;

export function formatJobSse(view: JobView): string {
  return `event: job\ndata: ${JSON.stringify(view)}\n\n`;
}

export const jobsStreamRoutes: RoutePlugin = async (app, ctx) => {
  const slots = new StreamSlots(MAX_JOB_STREAMS, 'job');

  app.get('/api/jobs/stream', async (_request, reply) => {
    const svc = jobService(ctx);
    const release = slots.take();
    // Subscribe first, then send the snapshot: an update that lands in between is sent after
    // the snapshot (newer), never lost.
    const pending: JobView[] = [];
    let snapshotSent = false;
    const unsubscribe = svc.onJobUpdate((v) => { if (snapshotSent) stream.write(formatJobSse(v)); else pending.push(v); });
    const stream = openSse(reply, () => { release(); unsubscribe(); });
    for (const v of svc.list().reverse()) if (v.status === 'queued' || v.status === 'running') stream.write(formatJobSse(v));
    snapshotSent = true;
    for (const v of pending.splice(0)) stream.write(formatJobSse(v));
    return sendSse(reply, stream);
  });
};
