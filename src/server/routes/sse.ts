// The plumbing every Server-Sent Events route shares (security events, jobs): a bounded number
// of open streams, a heartbeat so a quiet stream can be told from a dead one, a client that does
// not read is dropped (it reconnects), and exactly one cleanup however the stream ends.
import { PassThrough } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { HttpError } from '../errors.js';

/** Comment line sent when idle, so proxies and clients can tell a quiet stream from a dead one. */
export const HEARTBEAT_MS = 15_000;
/** A client that does not read: drop it once this much is queued (it reconnects). */
export const MAX_BUFFERED_BYTES = 1024 * 1024;

export interface SseStream {
  /** Queue one frame (ignored once closed). */
  write(frame: string): void;
  /** The body to send (see `sendSse`). */
  readonly body: PassThrough;
}

/** Counts a route's open streams; each holds a socket and a listener. */
export class StreamSlots {
  private open = 0;
  constructor(private readonly max: number, private readonly what: string) {}

  /** Take a slot or refuse with 503; `release` runs once when the stream ends. */
  take(): () => void {
    if (this.open >= this.max) throw new HttpError(503, 'TOO_MANY_STREAMS', `at most ${this.max} ${this.what} streams at once; close one and retry`);
    this.open++;
    let released = false;
    return () => { if (!released) { released = true; this.open--; } };
  }
}

/**
 * Open a stream on `reply`. `onClose` runs exactly once: when the client leaves, the stream
 * ends, or the client stops reading. `retry:` tells EventSource how long to wait before
 * reconnecting.
 */
export function openSse(reply: FastifyReply, onClose: () => void, retryMs = 2000): SseStream {
  const body = new PassThrough();
  const heartbeat = setInterval(() => { body.write(': ping\n\n'); }, HEARTBEAT_MS);
  heartbeat.unref();
  let closed = false;
  const cleanup = (): void => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    onClose();
    if (!body.writableEnded) body.end();
  };
  // The response's 'close' (not the request's, which fires once the request is read) is the client leaving.
  reply.raw.on('close', cleanup);
  body.on('close', cleanup);
  body.write(`retry: ${retryMs}\n\n`);
  return {
    body,
    write(frame: string): void {
      if (closed || body.writableEnded) return;
      body.write(frame);
      if (body.writableLength > MAX_BUFFERED_BYTES) body.end();
    },
  };
}

/** Send an opened stream as the response, with the headers an event stream needs. */
export function sendSse(reply: FastifyReply, stream: SseStream): FastifyReply {
  return reply
    .header('content-type', 'text/event-stream; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-accel-buffering', 'no')
    .send(stream.body);
}
