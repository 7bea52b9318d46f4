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
  private charged = 0;
  private owned = true;

  constructor(root: string, private readonly budget: ByteBudget, private readonly limitBytes: number, private readonly retryAfterSec: () => number) {
    this.dir = createJobDir(root);
  }

  /** Bytes received so far (all files). */
  get bytes(): number { return this.charged; }

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
        bytes += chunk.length;
        if (this.charged + chunk.length > this.limitBytes) { done(new ConvertError('INPUT_TOO_LARGE', `the uploads together are larger than ${this.limitBytes} bytes`)); return; }
        try { this.budget.take(chunk.length, this.retryAfterSec()); } catch (e) { done(e as Error); return; }
        this.charged += chunk.length;
        done(null, chunk);
      },
    });
    await pipeline(stream, meter, createWriteStream(path, { mode: 0o600, flags: 'wx' }));
    const f = { path, bytes, name };
    this.files.push(f);
    return f;
  }

  /** Hand the folder and the charged bytes to a job (which releases them when it is done). */
  handOver(): { dir: string; charged: number } {
    this.owned = false;
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
