// The bounded job queue: at most `capacity` jobs wait for a worker. Beyond that the caller
// gets QUEUE_FULL (HTTP 503 + Retry-After) at once — a flood of uploads cannot pile up
// unbounded input files on disk or in memory.
import { ConvertError } from './errors.js';

export class BoundedQueue<T> {
  private readonly items: T[] = [];
  constructor(readonly capacity: number) {}

  get length(): number { return this.items.length; }

  /** Throw QUEUE_FULL (with a retry hint in seconds) unless one more fits. */
  assertRoom(retryAfterSec: number): void {
    if (this.items.length >= this.capacity) {
      throw new ConvertError('QUEUE_FULL', `the conversion queue is full (${this.capacity} waiting); try again in ${retryAfterSec} s`, { retryAfterSec });
    }
  }

  /** Add, or throw QUEUE_FULL with a retry hint in seconds. */
  push(item: T, retryAfterSec: number): void {
    this.assertRoom(retryAfterSec);
    this.items.push(item);
  }

  shift(): T | undefined { return this.items.shift(); }

  remove(pred: (t: T) => boolean): T | undefined {
    const i = this.items.findIndex(pred);
    return i >= 0 ? this.items.splice(i, 1)[0] : undefined;
  }

  drain(): T[] { return this.items.splice(0); }
}
