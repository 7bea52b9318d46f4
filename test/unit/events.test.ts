import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEventStore, SCHEMA_VERSION, SchemaTooNewError, EventQueryError, type SecurityEvent } from '../../src/events/index.js';

import { openDatabase } from '../../src/events/driver.js';

// The same driver the store uses (node:sqlite).
const open = (file: string) => openDatabase(file);
const pragma = (db: ReturnType<typeof open>, name: string) => Object.values(db.prepare(`PRAGMA ${name}`).get() as Record<string, unknown>)[0];
const tmp = () => mkdtempSync(join(tmpdir(), 'hermetic-events-'));

test('migrations from empty: schema version, tables, indexes, WAL, private file', () => {
  const dataDir = tmp();
  const store = openEventStore({ dataDir });
  store.close();
  assert.equal(statSync(store.file).mode & 0o077, 0, 'database file is private (0600)');
  const db = open(store.file);
  assert.equal(Number(pragma(db, 'user_version')), SCHEMA_VERSION);
  assert.equal(pragma(db, 'journal_mode'), 'wal');
  const names = (db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table','index') ORDER BY name").all() as { name: string }[]).map((r) => r.name);
  for (const n of ['security_events', 'jobs', 'sandbox_runs', 'idx_security_events_timestamp', 'idx_security_events_type']) assert.ok(names.includes(n), n);
  // The severity CHECK constraint is real.
  assert.throws(() => db.exec("INSERT INTO security_events (event_type, severity) VALUES ('x', 'loud')"), /CHECK constraint/);
  db.close();
  // Re-opening is idempotent.
  openEventStore({ dataDir }).close();
});

test('a database from a newer hermetic is refused, not downgraded', () => {
  const dataDir = tmp();
  const s = openEventStore({ dataDir });
  s.close();
  const db = open(s.file);
  db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
  db.close();
  assert.throws(() => openEventStore({ dataDir }), (e: unknown) => e instanceof SchemaTooNewError && e.code === 'EVENTS_SCHEMA_TOO_NEW');
});

test('record and query: filters by type, severity, time range; paging; order', () => {
  const store = openEventStore({ dataDir: tmp() });
  const before = new Date(Date.now() - 1000).toISOString();
  for (let i = 0; i < 5; i++) store.record({ type: 'network_attempt', severity: 'warning', details: { host: '192.0.2.1', port: 1000 + i } });
  store.record({ type: 'dns_blocked', severity: 'warning', details: { host: 'name.invalid' } });
  store.record({ type: 'process_terminated', severity: 'critical', details: { pid: 42 } });
  const all = store.query();
  assert.equal(all.total, 7);
  assert.equal(all.events[0]?.type, 'process_terminated', 'newest first by default');
  assert.match(all.events[0]?.timestamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(store.query({ type: 'network_attempt' }).total, 5);
  assert.equal(store.query({ type: ['dns_blocked', 'process_terminated'] }).total, 2);
  assert.equal(store.query({ severity: 'critical' }).total, 1);
  const page = store.query({ type: 'network_attempt', limit: 2, offset: 2, order: 'asc' });
  assert.deepEqual(page.events.map((e) => e.details.port), [1002, 1003]);
  assert.equal(page.total, 5);
  assert.equal(store.query({ since: before }).total, 7);
  assert.equal(store.query({ until: before }).total, 0);
  assert.equal(store.query({ since: new Date(Date.now() + 60_000).toISOString() }).total, 0);
  const firstId = store.query({ order: 'asc', limit: 1 }).events[0]?.id ?? 0;
  assert.equal(store.query({ afterId: firstId }).total, 6);
  assert.throws(() => store.query({ since: 'yesterday-ish' }), EventQueryError);
  assert.throws(() => store.query({ limit: 5000 }), EventQueryError);
  assert.throws(() => store.query({ type: 'nope' as 'dns_blocked' }), /allowed:/);
  assert.throws(() => store.record({ type: 'bogus' as 'dns_blocked', severity: 'info', details: {} }), TypeError);
  assert.deepEqual(store.counts(), { network_attempt: 5, dns_blocked: 1, process_terminated: 1 });
  assert.equal(store.blockedAttempts(), 6);
  assert.equal(store.lastBlockedAttempt()?.type, 'dns_blocked');
  store.close();
});

test('identical events inside the window are aggregated into one row with a count', () => {
  const store = openEventStore({ dataDir: tmp(), aggregationWindowMs: 60_000 });
  const seen: [SecurityEvent, string][] = [];
  store.onRecorded((e, change) => seen.push([e, change]));
  const ev = { type: 'network_attempt' as const, severity: 'warning' as const, details: { host: '192.0.2.7', port: 443, package: 'leaky' }, dedupKey: 'leaky→192.0.2.7:443' };
  const first = store.record(ev);
  assert.equal(first.status, 'inserted');
  for (let i = 0; i < 49; i++) assert.deepEqual(store.record(ev), { id: first.id, status: 'aggregated' });
  // A different key is its own row.
  assert.equal(store.record({ ...ev, dedupKey: 'other' }).status, 'inserted');
  assert.equal(store.blockedAttempts(), 51, 'live count includes not-yet-written increments');
  store.flush();
  const rows = store.query({ order: 'asc' }).events;
  assert.equal(rows.length, 2);
  assert.equal(rows[0]?.details.count, 50);
  assert.equal(typeof rows[0]?.details.lastSeen, 'string');
  assert.equal(store.blockedAttempts(), 51);
  assert.deepEqual(seen.map(([e, c]) => `${e.id}:${c}:${String(e.details.count ?? 1)}`), [`${first.id}:inserted:1`, `${(first.id ?? 0) + 1}:inserted:1`, `${first.id}:aggregated:50`]);
  store.close();
  // The count survives re-opening (it is on disk, not only in memory).
  const again = openEventStore({ dataDir: store.file.replace(/\/hermetic\.db$/, '') });
  assert.equal(again.blockedAttempts(), 51);
  again.close();
});

test('without a dedup key, events with identical details aggregate; different details do not', () => {
  const store = openEventStore({ dataDir: tmp() });
  store.record({ type: 'dns_blocked', severity: 'warning', details: { host: 'a.invalid' } });
  store.record({ type: 'dns_blocked', severity: 'warning', details: { host: 'a.invalid' } });
  store.record({ type: 'dns_blocked', severity: 'warning', details: { host: 'b.invalid' } });
  store.flush();
  assert.deepEqual(store.query({ order: 'asc' }).events.map((e) => [e.details.host, e.details.count ?? 1]), [['a.invalid', 2], ['b.invalid', 1]]);
  store.close();
});

test('the token bucket caps new rows and the dropped counter is itself recorded', () => {
  const store = openEventStore({ dataDir: tmp(), maxRowsPerSecond: 0.001, burstRows: 10 });
  const results = [];
  for (let i = 0; i < 40; i++) results.push(store.record({ type: 'network_attempt', severity: 'warning', details: { port: i } }).status);
  assert.equal(results.filter((r) => r === 'inserted').length, 10);
  assert.equal(results.filter((r) => r === 'dropped').length, 30);
  assert.equal(store.dropped, 30);
  assert.equal(store.query({ type: 'network_attempt' }).total, 10);
  store.flush();
  const dropped = store.query({ type: 'events_dropped' }).events;
  assert.equal(dropped.length, 1);
  assert.equal(dropped[0]?.severity, 'warning');
  assert.equal(dropped[0]?.details.dropped, 30);
  assert.deepEqual(dropped[0]?.details.byType, { network_attempt: 30 });
  // Nothing more pending: a second flush writes no second row.
  store.flush();
  assert.equal(store.query({ type: 'events_dropped' }).total, 1);
  store.close();
});

test('privacy: file names and contents are removed from details unless opted in', () => {
  const store = openEventStore({ dataDir: tmp() });
  store.record({ type: 'network_attempt', severity: 'warning', details: { host: '192.0.2.1', fileName: 'tax-return.pdf', content: 'secret', long: 'x'.repeat(2000) } });
  const d = store.query().events[0]?.details ?? {};
  assert.equal(d.fileName, undefined);
  assert.equal(d.content, undefined);
  assert.equal(d.host, '192.0.2.1');
  assert.ok(String(d.long).length < 600);
  store.jobs.insert({ id: 'j1', converter: 'csv-json', status: 'queued', fileNames: ['tax-return.csv'] });
  assert.equal(store.jobs.get('j1')?.fileNames, null);
  store.close();
  const optedIn = openEventStore({ dataDir: tmp(), logFileNames: true });
  optedIn.record({ type: 'network_attempt', severity: 'warning', details: { fileName: 'ok.pdf' } });
  assert.equal(optedIn.query().events[0]?.details.fileName, 'ok.pdf');
  optedIn.jobs.insert({ id: 'j1', converter: 'csv-json', status: 'queued', fileNames: ['ok.csv'] });
  assert.deepEqual(optedIn.jobs.get('j1')?.fileNames, ['ok.csv']);
  optedIn.close();
});

test('jobs and sandbox runs: insert, update, read back', () => {
  const store = openEventStore({ dataDir: tmp() });
  store.jobs.insert({ id: 'job-1', converter: 'md-html', status: 'queued', inputBytes: 10 });
  store.jobs.update('job-1', { status: 'succeeded', outputBytes: 20, durationMs: 5, finishedAt: '2026-01-01T00:00:00.000Z' });
  const j = store.jobs.get('job-1');
  assert.equal(j?.status, 'succeeded');
  assert.equal(j?.inputBytes, 10);
  assert.equal(j?.outputBytes, 20);
  assert.equal(typeof j?.queuedAt, 'string');
  assert.equal(store.jobs.get('missing'), null);
  assert.throws(() => store.jobs.update('job-1', { status: 'exploded' as 'failed' }), /CHECK constraint/);
  assert.equal(store.jobs.list().length, 1);
  const runId = store.sandboxRuns.insert({ jobId: null, pid: 1234, layers: ['namespace', 'seccomp'], limits: { memoryBytes: 1 << 30 }, violations: 0 });
  store.sandboxRuns.update(runId, { jobId: 'job-1', violations: 2, usage: { cpuMs: 12 }, finishedAt: '2026-01-01T00:00:01.000Z' });
  const runs = store.sandboxRuns.forJob('job-1');
  assert.equal(runs.length, 1);
  assert.deepEqual(runs[0]?.layers, ['namespace', 'seccomp']);
  assert.equal(runs[0]?.violations, 2);
  assert.deepEqual(runs[0]?.usage, { cpuMs: 12 });
  assert.equal(store.sandboxRuns.get(runId)?.pid, 1234);
  store.close();
});

test('counts follow writes made by another process (another connection) within 250 ms', async () => {
  const dataDir = tmp();
  const a = openEventStore({ dataDir });
  const b = openEventStore({ dataDir });
  const settle = () => new Promise((r) => setTimeout(r, 300));
  a.record({ type: 'p2p_blocked', severity: 'critical', details: { module: 'webrtc' } });
  await settle();
  assert.equal(b.blockedAttempts(), 1);
  assert.equal(b.lastBlockedAttempt()?.details.module, 'webrtc');
  // b's own write forces a re-read first: a's row is counted once, not twice.
  b.record({ type: 'p2p_blocked', severity: 'critical', details: { module: 'other' } });
  assert.equal(b.blockedAttempts(), 2);
  await settle();
  assert.equal(a.blockedAttempts(), 2);
  assert.equal(a.lastBlockedAttempt()?.details.module, 'other');
  a.close();
  b.close();
});

test('record after close is reported as dropped, never thrown into a shutdown path', () => {
  const store = openEventStore({ dataDir: tmp() });
  store.close();
  assert.deepEqual(store.record({ type: 'monitor_stopped', severity: 'info', details: {} }), { id: null, status: 'dropped' });
});
