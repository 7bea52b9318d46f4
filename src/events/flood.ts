// Flood protection, kept free of SQL so it can be reasoned about (and tested) on its own:
// a token bucket caps new rows per second, and an aggregation table folds identical events
// (same type + dedup key) inside a window into the row that was written first.

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(private readonly ratePerSecond: number, private readonly burst: number, now = Date.now()) {
    this.tokens = burst;
    this.last = now;
  }

  /** Take one token if there is one. */
  take(now = Date.now()): boolean {
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.ratePerSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export interface Aggregate {
  rowId: number;
  /** What the window counts (the event type), for live totals. */
  label: string;
  firstSeen: number;
  lastSeen: number;
  count: number;
  /** Occurrences not yet written to the row (the increment is batched, see store.ts). */
  pending: number;
}

/** Open aggregation windows by key. Bounded: the oldest windows are closed first. */
export class AggregationTable {
  private readonly open = new Map<string, Aggregate>();

  constructor(private readonly windowMs: number, private readonly maxOpen = 10_000) {}

  /** The open window for this key, or null if none (or it expired). */
  find(key: string, now = Date.now()): Aggregate | null {
    const a = this.open.get(key);
    if (!a) return null;
    if (now - a.firstSeen >= this.windowMs) return null;
    return a;
  }

  /** Open a window for a freshly written row. Returns the window evicted to stay bounded, if any
   *  (the caller writes its pending count before forgetting it). */
  start(key: string, rowId: number, label: string, now = Date.now()): { window: Aggregate; evicted: Aggregate | null } {
    const window: Aggregate = { rowId, label, firstSeen: now, lastSeen: now, count: 1, pending: 0 };
    this.open.delete(key);
    this.open.set(key, window);
    let evicted: Aggregate | null = null;
    if (this.open.size > this.maxOpen) {
      // Maps iterate in insertion order: the first key is the oldest window.
      const oldest = this.open.keys().next().value as string;
      evicted = this.open.get(oldest) ?? null;
      this.open.delete(oldest);
    }
    return { window, evicted };
  }

  get size(): number {
    return this.open.size;
  }

  /** Windows with increments still to write. */
  dirty(): Aggregate[] {
    return [...this.open.values()].filter((a) => a.pending > 0);
  }

  /** Forget expired windows whose counts are written. */
  prune(now = Date.now()): void {
    for (const [k, a] of this.open) if (a.pending === 0 && now - a.firstSeen >= this.windowMs) this.open.delete(k);
  }
}
