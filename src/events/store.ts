// The security-event store: SQLite in the data dir (WAL, synchronous=FULL — an attempt that
// record() acknowledged survives a crash), with flood protection in front of the writes.
import { chmodSync } from 'node:fs';
import { prepareDataDir } from '../config/data-dir.js';
import { join } from 'node:path';
import { openDatabase, type SqlDatabase, type SqlValue } from './driver.js';
import { migrate } from './migrations.js';
import { AggregationTable, TokenBucket, type Aggregate } from './flood.js';
import { sanitizeDetails } from './privacy.js';
import { createJobStore, createSandboxRunStore } from './jobs.js';
import {
  BLOCKED_ATTEMPT_TYPES, SECURITY_EVENT_TYPES,
  type EventPage, type EventQuery, type EventStore, type EventStoreOptions, type NewSecurityEvent,
  type RecordResult, type RecordedChange, type RecordedListener, type SecurityEvent, type SecurityEventType, type Severity,
} from './types.js';

export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'critical'];

export class EventQueryError extends Error {
  readonly code = 'INVALID_QUERY';
}

interface EventRow { id: number | bigint; event_type: string; severity: string; details: string | null; timestamp: string }

function toEvent(r: EventRow): SecurityEvent {
  let details: Record<string, unknown> = {};
  if (r.details) {
    try { details = JSON.parse(r.details) as Record<string, unknown>; } catch { details = { unparsable: true }; }
  }
  return { id: Number(r.id), type: r.event_type as SecurityEventType, severity: r.severity as Severity, details, timestamp: r.timestamp };
}

function isoOrThrow(name: string, value: string): string {
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new EventQueryError(`${name}: not a date/time (use ISO 8601, e.g. 2026-01-31T12:00:00Z)`);
  return new Date(t).toISOString();
}

function listOf<T extends string>(name: string, v: T | T[] | undefined, allowed: readonly string[]): T[] {
  if (v === undefined) return [];
  const list = Array.isArray(v) ? v : [v];
  for (const x of list) if (!allowed.includes(x)) throw new EventQueryError(`${name}: unknown value '${x}'; allowed: ${allowed.join(' | ')}`);
  return list;
}

/**
 * Occurrence counts by type and the last blocked attempt, kept current without a query per
 * call (GET /api/health asks on every request): the on-disk state is re-read only when another
 * connection (another hermetic process) has committed, per PRAGMA data_version; our own writes
 * are applied in memory; aggregated occurrences not yet written are added on read.
 */
const STALE_CHECK_MS = 250;

class Stats {
  private onDisk: Partial<Record<SecurityEventType, number>> = {};
  private lastBlocked: SecurityEvent | null = null;
  private dataVersion = -1;
  private readonly versionStmt;
  private readonly countsStmt;
  private readonly lastBlockedStmt;

  constructor(db: SqlDatabase) {
    this.versionStmt = db.prepare('PRAGMA data_version');
    this.countsStmt = db.prepare(
      "SELECT event_type AS type, SUM(COALESCE(json_extract(details, '$.count'), 1)) AS n FROM security_events GROUP BY event_type",
    );
    this.lastBlockedStmt = db.prepare(
      `SELECT * FROM security_events WHERE event_type IN (${BLOCKED_ATTEMPT_TYPES.map(() => '?').join(', ')}) ORDER BY id DESC LIMIT 1`,
    );
    this.refreshIfStale();
  }

  private checkedAt = 0;

  /**
   * Re-read if another connection committed. Readers check at most every STALE_CHECK_MS (the
   * health route asks on every request); our own writes force the check, so a re-read never
   * includes a write that we then add again.
   */
  refreshIfStale(force = false): void {
    const now = Date.now();
    if (!force && now - this.checkedAt < STALE_CHECK_MS) return;
    this.checkedAt = now;
    const v = Number((this.versionStmt.get() as { data_version: number }).data_version);
    if (v === this.dataVersion) return;
    this.dataVersion = v;
    this.onDisk = {};
    for (const r of this.countsStmt.all() as { type: SecurityEventType; n: number }[]) this.onDisk[r.type] = Number(r.n);
    const row = this.lastBlockedStmt.get(...BLOCKED_ATTEMPT_TYPES) as EventRow | undefined;
    this.lastBlocked = row ? toEvent(row) : null;
  }

  /** Our own write just put `n` more occurrences of `type` on disk (`row` when it is a new row). */
  written(type: SecurityEventType, n: number, row?: SecurityEvent): void {
    this.onDisk[type] = (this.onDisk[type] ?? 0) + n;
    if (row && BLOCKED_ATTEMPT_TYPES.includes(type)) this.lastBlocked = row;
  }

  counts(pending: Partial<Record<SecurityEventType, number>>): Partial<Record<SecurityEventType, number>> {
    this.refreshIfStale();
    const out = { ...this.onDisk };
    for (const [t, n] of Object.entries(pending) as [SecurityEventType, number][]) if (n) out[t] = (out[t] ?? 0) + n;
    return out;
  }

  lastBlockedAttempt(): SecurityEvent | null {
    this.refreshIfStale();
    return this.lastBlocked;
  }
}

export function createEventStore(opts: EventStoreOptions): EventStore {
  prepareDataDir(opts.dataDir); // ours, private, not writable by others (created 0700 if missing)
  const file = join(opts.dataDir, opts.fileName ?? 'hermetic.db');
  const db = openDatabase(file);
  try { chmodSync(file, 0o600); } catch { /* not ours to chmod (e.g. read-only data dir): SQLite opened it anyway */ }
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = FULL');
  db.exec('PRAGMA busy_timeout = 5000');
  migrate(db);

  const allowFileNames = opts.logFileNames ?? false;
  const windowMs = opts.aggregationWindowMs ?? 10_000;
  const bucket = new TokenBucket(opts.maxRowsPerSecond ?? 20, opts.burstRows ?? 100);
  const windows = new AggregationTable(windowMs);
  const listeners = new Set<RecordedListener>();
  const stats = new Stats(db);
  let droppedTotal = 0;
  let droppedPending: { n: number; byType: Record<string, number>; bySeverity: Record<string, number>; since: string } | null = null;
  let closed = false;
  /** Aggregated occurrences not yet written, by type (for live counts without scanning windows). */
  const pendingByType: Partial<Record<SecurityEventType, number>> = {};

  const insertStmt = db.prepare('INSERT INTO security_events (event_type, severity, details, timestamp) VALUES (?, ?, ?, ?)');
  const byIdStmt = db.prepare('SELECT * FROM security_events WHERE id = ?');
  const bumpStmt = db.prepare("UPDATE security_events SET details = json_set(COALESCE(details, '{}'), '$.count', ?, '$.lastSeen', ?) WHERE id = ?");

  function emit(ev: SecurityEvent, change: RecordedChange): void {
    for (const fn of listeners) {
      try { fn(ev, change); } catch { /* a listener's bug must not lose or block a security event */ }
    }
  }

  function insert(type: SecurityEventType, severity: Severity, details: Record<string, unknown>): number {
    stats.refreshIfStale(true);
    const timestamp = new Date().toISOString();
    const res = insertStmt.run(type, severity, JSON.stringify(details), timestamp);
    const ev: SecurityEvent = { id: Number(res.lastInsertRowid), type, severity, details, timestamp };
    stats.written(type, typeof details.count === 'number' ? details.count : 1, ev);
    emit(ev, 'inserted');
    return ev.id;
  }

  function writeAggregates(list: Aggregate[]): void {
    if (!list.length) return;
    stats.refreshIfStale(true);
    db.exec('BEGIN IMMEDIATE');
    try {
      for (const a of list) bumpStmt.run(a.count, new Date(a.lastSeen).toISOString(), a.rowId);
      db.exec('COMMIT');
    } catch (e) {
      db.exec('ROLLBACK');
      throw e;
    }
    for (const a of list) {
      const t = a.label as SecurityEventType;
      stats.written(t, a.pending);
      pendingByType[t] = (pendingByType[t] ?? 0) - a.pending;
      a.pending = 0;
    }
    if (!listeners.size) return;
    for (const a of list) {
      const row = byIdStmt.get(a.rowId) as EventRow | undefined;
      if (row) emit(toEvent(row), 'aggregated');
    }
  }

  function flush(): void {
    if (closed) return;
    writeAggregates(windows.dirty());
    if (droppedPending) {
      const d = droppedPending;
      droppedPending = null;
      // Not subject to the bucket: at most one such row per flush interval, and it is the
      // evidence that the cap was hit.
      insert('events_dropped', 'warning', { dropped: d.n, byType: d.byType, bySeverity: d.bySeverity, since: d.since, until: new Date().toISOString() });
    }
    windows.prune();
  }

  const timer = setInterval(() => { try { flush(); } catch { /* retried on the next tick */ } }, opts.flushIntervalMs ?? 1000);
  timer.unref();

  function record(ev: NewSecurityEvent): RecordResult {
    if (!SECURITY_EVENT_TYPES.includes(ev.type)) throw new TypeError(`unknown security event type '${String(ev.type)}'`);
    if (!SEVERITIES.includes(ev.severity)) throw new TypeError(`unknown severity '${String(ev.severity)}'`);
    if (closed) { droppedTotal++; return { id: null, status: 'dropped' }; }
    const now = Date.now();
    const details = sanitizeDetails(ev.details, allowFileNames);
    const key = `${ev.type}\u0000${ev.dedupKey ?? JSON.stringify(details)}`;

    const open = windows.find(key, now);
    if (open) {
      open.count++;
      open.pending++;
      open.lastSeen = now;
      pendingByType[ev.type] = (pendingByType[ev.type] ?? 0) + 1;
      return { id: open.rowId, status: 'aggregated' };
    }
    if (!bucket.take(now)) {
      droppedTotal++;
      const d = (droppedPending ??= { n: 0, byType: {}, bySeverity: {}, since: new Date(now).toISOString() });
      d.n++;
      d.byType[ev.type] = (d.byType[ev.type] ?? 0) + 1;
      d.bySeverity[ev.severity] = (d.bySeverity[ev.severity] ?? 0) + 1;
      return { id: null, status: 'dropped' };
    }
    const id = insert(ev.type, ev.severity, details);
    const { evicted } = windows.start(key, id, ev.type, now);
    if (evicted && evicted.pending > 0) writeAggregates([evicted]);
    return { id, status: 'inserted' };
  }

  function query(q: EventQuery = {}): EventPage {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (q.since !== undefined) { where.push('timestamp >= ?'); params.push(isoOrThrow('since', q.since)); }
    if (q.until !== undefined) { where.push('timestamp <= ?'); params.push(isoOrThrow('until', q.until)); }
    const types = listOf('type', q.type, SECURITY_EVENT_TYPES);
    if (types.length) { where.push(`event_type IN (${types.map(() => '?').join(', ')})`); params.push(...types); }
    const sevs = listOf('severity', q.severity, SEVERITIES);
    if (sevs.length) { where.push(`severity IN (${sevs.map(() => '?').join(', ')})`); params.push(...sevs); }
    if (q.afterId !== undefined) {
      if (!Number.isInteger(q.afterId) || q.afterId < 0) throw new EventQueryError('afterId: must be a non-negative integer');
      where.push('id > ?'); params.push(q.afterId);
    }
    const limit = q.limit ?? 100;
    const offset = q.offset ?? 0;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new EventQueryError('limit: must be an integer from 1 to 1000');
    if (!Number.isInteger(offset) || offset < 0) throw new EventQueryError('offset: must be a non-negative integer');
    const order = q.order ?? 'desc';
    if (order !== 'asc' && order !== 'desc') throw new EventQueryError("order: allowed: asc | desc");
    const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = Number((db.prepare(`SELECT COUNT(*) AS n FROM security_events ${whereSql}`).get(...params) as { n: number }).n);
    const rows = db.prepare(`SELECT * FROM security_events ${whereSql} ORDER BY id ${order.toUpperCase()} LIMIT ? OFFSET ?`)
      .all(...params, limit, offset) as EventRow[];
    return { events: rows.map(toEvent), total, limit, offset };
  }

  return {
    file,
    driver: db.driver,
    record,
    query,
    onRecorded(fn) {
      listeners.add(fn);
      return () => { listeners.delete(fn); };
    },
    counts: () => stats.counts(pendingByType),
    blockedAttempts() {
      const c = stats.counts(pendingByType);
      return BLOCKED_ATTEMPT_TYPES.reduce((sum, t) => sum + (c[t] ?? 0), 0);
    },
    lastBlockedAttempt: () => stats.lastBlockedAttempt(),
    get dropped() { return droppedTotal; },
    flush,
    jobs: createJobStore(db, allowFileNames),
    sandboxRuns: createSandboxRunStore(db),
    close() {
      if (closed) return;
      clearInterval(timer);
      try { flush(); } finally {
        closed = true;
        listeners.clear();
        db.close();
      }
    },
  };
}
