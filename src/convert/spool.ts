// Uploads go to disk as they arrive, never into memory: each file part is streamed into its
// job's folder (j-XXXXXX/u-<n>), and a server-wide budget bounds the bytes held there by
// uploads in flight and by jobs that have not finished. Beyond the budget an upload is refused
// at once (QUEUE_FULL, 503 + Retry-After) — thirty concurrent 99 MiB uploads no longer mean
// 1.8 GiB of server memory, and cannot fill the disk without bound either.
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ConvertError } from './errors.js';
import { createJobDir, removeJobDir } from './jobdir.js';

/** Bytes of uploads and unfinished jobs' inputs the server holds on disk at most. */
export class ByteBudget {
  private used = 0;
  constructor(readonly capacity: number) {}

  get inUse(): number { return this.used; }

  /** Reserve `n` bytes, or throw QUEUE_FULL (the caller answers 503 with Retry-After). */
  take(n: number, retryAfterSec = 5): void {
    if (this.used + n > this.capacity) {
      throw new ConvertError('QUEUE_FULL', `the server already holds ${this.used} bytes of uploads and unfinished jobs (limit ${this.capacity}); try again in ${retryAfterSec} s`, { retryAfterSec });
    }
    this.used += n;
  }

  release(n: number): void {
    this.used = Math.max(0, this.used - n);
  }
}

export interface SpooledFile {
  path: string;
  bytes: number;
  name: string | null;
}

/**
 * One request's uploads: a fresh job folder, filled file by file. The job takes the folder and
 * the bytes charged to the budget over (ConvertService.submitJob); if the request fails first,
 * discard() removes both.
 */
export class Spool {
  readonly dir: string;
  readonly files: SpooledFile[] = [];
  /** Bytes received so far (all files). */
  private received = 0;
  /** Bytes taken from the budget: the reservation, or what was received if more. */
  private charged = 0;
  private owned = true;

  /**
   * `expectBytes`: the request's declared size, reserved in the budget now (QUEUE_FULL at once
   * if it does not fit), so that uploads in flight cannot starve each other chunk by chunk.
   */
  constructor(root: string, private readonly budget: ByteBudget, private readonly limitBytes: number, private readonly retryAfterSec: () => number, expectBytes = 0) {
    const reserve = Math.min(expectBytes, limitBytes);
    if (reserve > 0) budget.take(reserve, retryAfterSec());
    this.charged = reserve;
    try {
      this.dir = createJobDir(root);
    } catch (e) {
      budget.release(reserve);
      throw e;
    }
  }

  get bytes(): number { return this.received; }

  /**
   * Stream one upload to disk, charging the budget chunk by chunk. Over the request's limit:
   * INPUT_TOO_LARGE; over the server's budget: QUEUE_FULL. Either way the stream is consumed no
   * further (the caller closes the connection or answers at once).
   */
  async add(stream: Readable, name: string | null): Promise<SpooledFile> {
    const path = join(this.dir, `u-${this.files.length}`);
    let bytes = 0;
    const meter = new Transform({
      transform: (chunk: Buffer, _enc, done) => {
        if (this.received + chunk.length > this.limitBytes) { done(new ConvertError('INPUT_TOO_LARGE', `the uploads together are larger than ${this.limitBytes} bytes`)); return; }
        const beyond = this.received + chunk.length - this.charged;
        if (beyond > 0) {
          try { this.budget.take(beyond, this.retryAfterSec()); } catch (e) { done(e as Error); return; }
          this.charged += beyond;
        }
        this.received += chunk.length;
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    await pipeline(stream, meter, createWriteStream(path, { mode: 0o600, flags: 'wx' }));
    const f = { path, bytes, name };
    this.files.push(f);
    return f;
  }

  /** Hand the folder and the bytes received to a job (which releases them when it is done); the unused reservation goes back. */
  handOver(): { dir: string; charged: number } {
    this.owned = false;
    if (this.charged > this.received) { this.budget.release(this.charged - this.received); this.charged = this.received; }
    return { dir: this.dir, charged: this.charged };
  }

  /** The request failed before a job took the uploads: delete them and give the bytes back. */
  discard(): void {
    if (!this.owned) return;
    this.owned = false;
    this.budget.release(this.charged);
    this.charged = 0;
    removeJobDir(this.dir);
  }
}
