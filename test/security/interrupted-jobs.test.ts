// Issue 13 item 11: after `kill -9` of the server, the job rows of its running and queued jobs
// stayed `queued`/`running` forever, and a client polling GET /api/jobs/:id got 404 — as if its
// job had never existed. At the next start they are reconciled: marked `interrupted` (the row
// is kept, with error code INTERRUPTED), and GET /api/jobs/:id answers with that. The workers
// of the killed server do not outlive it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openEventStore } from '../../src/events/index.js';
import { privateTmp, processesMentioning, rawRequest, removeTree, serve, sleep, type Served } from './harness.js';

export const SLOW_PLUGIN = `export const manifest = { id: 'slow', title: 'test: slow', from: ['txt'], to: ['txt'] };
export async function convert(input) { await new Promise((r) => setTimeout(r, 60000)); return { data: input.data, format: 'txt' }; }
`;

async function submit(s: Served, converter: string): Promise<string> {
  const r = await rawRequest(s.port, 'POST', `/api/convert?to=txt&name=a.txt&converter=${converter}&async=1`, { authorization: `Bearer ${s.token}`, 'content-type': 'application/octet-stream' }, 'hello');
  assert.equal(r.status, 202, r.body.slice(0, 300));
  return (JSON.parse(r.body) as { jobId: string }).jobId;
}

async function jobStatus(s: Served, id: string): Promise<{ status: number; job?: { status: string; error: { code: string } | null } }> {
  const r = await rawRequest(s.port, 'GET', `/api/jobs/${id}`, { authorization: `Bearer ${s.token}` });
  return { status: r.status, ...(r.status === 200 ? { job: (JSON.parse(r.body) as { job: { status: string; error: { code: string } | null } }).job } : {}) };
}

test('kill -9 during jobs: at the next start the rows are interrupted (kept), GET /api/jobs/:id says so, no worker survives', async (t) => {
  const dataDir = privateTmp();
  t.after(() => removeTree(dataDir));
  const converters = join(dataDir, 'converters');
  mkdirSync(converters, { mode: 0o700 });
  writeFileSync(join(converters, 'slow.mjs'), SLOW_PLUGIN, { mode: 0o600 });
  const config = { poolSize: 1 };

  const first = await serve({ dataDir, config });
  const ids = [await submit(first, 'slow'), await submit(first, 'slow'), await submit(first, 'slow')];
  // Wait until the first is running (its worker holds it) and the others are queued behind it.
  for (let i = 0; i < 100 && (await jobStatus(first, ids[0] as string)).job?.status !== 'running'; i++) await sleep(200);
  assert.equal((await jobStatus(first, ids[0] as string)).job?.status, 'running');
  assert.equal((await jobStatus(first, ids[1] as string)).job?.status, 'queued');

  first.child.kill('SIGKILL');
  await first.exited;
  // No worker, jail helper or supervisor of the killed server is left running.
  let leftovers = processesMentioning(dataDir);
  for (let i = 0; i < 50 && leftovers.length; i++) { await sleep(200); leftovers = processesMentioning(dataDir); }
  assert.deepEqual(leftovers, [], 'processes of the killed server outlived it');

  // Before the next start the rows say what the dead server last wrote.
  const before = openEventStore({ dataDir });
  assert.deepEqual(ids.map((id) => before.jobs.get(id)?.status), ['running', 'queued', 'queued']);
  before.close();

  const second = await serve({ dataDir, config });
  try {
    for (const id of ids) {
      const r = await jobStatus(second, id);
      assert.equal(r.status, 200, `GET /api/jobs/${id} after the restart`);
      assert.equal(r.job?.status, 'interrupted');
      assert.equal(r.job?.error?.code, 'INTERRUPTED');
    }
    // Positive control: an unknown id is still 404, and new jobs run normally.
    assert.equal((await jobStatus(second, '00000000-0000-4000-8000-000000000000')).status, 404);
  } finally {
    await second.stop();
  }
  const after = openEventStore({ dataDir });
  try {
    for (const id of ids) {
      const row = after.jobs.get(id);
      assert.equal(row?.status, 'interrupted');
      assert.equal(row?.errorCode, 'INTERRUPTED');
      assert.ok(row?.finishedAt, 'finishedAt is set');
    }
  } finally {
    after.close();
  }
});

test('reconcile marks only rows whose process is gone; a v1 database keeps its rows through the migration', async () => {
  const dataDir = privateTmp();
  try {
    // A database written by the previous schema (v1: no owner column, no 'interrupted').
    const { openDatabase } = await import('../../src/events/driver.js');
    const { MIGRATIONS } = await import('../../src/events/migrations.js');
    const v1 = openDatabase(join(dataDir, 'hermetic.db'));
    v1.exec(MIGRATIONS[0] as string);
    v1.exec('PRAGMA user_version = 1');
    v1.prepare("INSERT INTO jobs (id, converter, status, queued_at) VALUES ('old-done', 'pdf', 'succeeded', '2026-01-01T00:00:00Z'), ('old-running', 'pdf', 'running', '2026-01-01T00:00:00Z')").run();
    v1.close();

    const store = openEventStore({ dataDir });
    try {
      assert.equal(store.jobs.get('old-done')?.status, 'succeeded', 'rows survive the migration');
      // A job of this (live) process, and one whose process has exited.
      store.jobs.insert({ id: 'live', converter: 'pdf', status: 'running' });
      const { spawnSync } = await import('node:child_process');
      const dead = spawnSync(process.execPath, ['-p', 'process.pid'], { encoding: 'utf8' });
      store.jobs.insert({ id: 'dead', converter: 'pdf', status: 'queued' });
      const { openDatabase: reopen } = await import('../../src/events/driver.js');
      const raw = reopen(join(dataDir, 'hermetic.db'));
      raw.prepare('UPDATE jobs SET owner = ? WHERE id = ?').run(`${dead.stdout.trim()}:1`, 'dead');
      raw.close();
      const marked = store.jobs.reconcileInterrupted().sort();
      assert.deepEqual(marked, ['dead', 'old-running'], 'the dead process\'s row and the v1 row without an owner');
      assert.equal(store.jobs.get('live')?.status, 'running', 'a live process\'s job is left alone');
      assert.equal(store.jobs.get('old-done')?.status, 'succeeded', 'finished rows are left alone');
      assert.equal(store.jobs.get('dead')?.status, 'interrupted');
      assert.deepEqual(store.jobs.reconcileInterrupted(), [], 'idempotent');
    } finally {
      store.close();
    }
  } finally {
    removeTree(dataDir);
  }
});
