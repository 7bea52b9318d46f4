// GET /api/jobs/stream: the live progress the web UI shows per file. Every status change of a
// job arrives as a `job` event in order (queued → running → succeeded, with the result's name,
// warnings and info; or failed with the stable error code); jobs still in flight are sent on
// connect; the token is required; a stream that is closed frees its slot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, type ClientRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { spawn as jailSpawn } from '../../src/isolation/jail/index.js';
import { ConvertService, type JobView } from '../../src/convert/index.js';
import { fixturesDir } from '../helpers/paths.js';
import { onSseFrames } from '../helpers/sse.js';

interface Live { status: number; views: JobView[]; req: ClientRequest; until(pred: () => boolean, ms?: number): Promise<void> }

function stream(s: RunningServer, auth = true): Promise<Live> {
  return new Promise((resolve, reject) => {
    const req = request(`${s.url}api/jobs/stream`, { headers: auth ? { authorization: `Bearer ${s.ctx.token}` } : {} }, (res) => {
      const views: JobView[] = [];
      const waiters = new Set<() => void>();
      onSseFrames(res, (f) => { if (f.event === 'job') views.push(JSON.parse(f.data) as JobView); }, () => { for (const w of [...waiters]) w(); });
      resolve({
        status: res.statusCode ?? 0, views, req,
        until: (pred, ms = 60_000) => new Promise((ok, fail) => {
          if (pred()) { ok(); return; }
          const t = setTimeout(() => { waiters.delete(check); fail(new Error(`timeout; views: ${JSON.stringify(views.map((v) => [v.id.slice(0, 8), v.status]))}`)); }, ms);
          const check = (): void => { if (pred()) { clearTimeout(t); waiters.delete(check); ok(); } };
          waiters.add(check);
        }),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function post(s: RunningServer, query: string, body: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${s.url}api/convert?${query}`, { method: 'POST', headers: { authorization: `Bearer ${s.ctx.token}`, 'content-type': 'application/octet-stream' }, body });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

test('the jobs stream: every status change in order, results and errors included; in-flight jobs on connect', { timeout: 180_000 }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hermetic-jobs-stream-'));
  const config = loadConfig({ env: {}, flags: { dataDir, port: 0, poolSize: 1, logLevel: 'silent', jobTimeoutMs: 5000, workerMemoryMb: 512, convertersDir: join(fixturesDir, 'convert', 'plugins') } });
  const s = await startServer(config, {
    runtimeFile: false,
    setup: (ctx) => {
      const svc = new ConvertService({ config, spawn: jailSpawn, store: ctx.store, maxQueued: 4 });
      svc.start();
      ctx.jobs = svc;
      return () => svc.close();
    },
  });
  t.after(async () => { await s.close(); rmSync(dataDir, { recursive: true, force: true }); });

  await t.test('the token is required', async () => {
    const anon = await stream(s, false);
    anon.req.destroy();
    assert.equal(anon.status, 401);
  });

  await t.test('a job that succeeds: queued, running, succeeded — with its result, warnings and info', async () => {
    const live = await stream(s);
    t.after(() => live.req.destroy());
    assert.equal(live.status, 200);
    const r = await post(s, 'to=json&name=list.yaml&async=1', 'a: 1\n');
    assert.equal(r.status, 202, JSON.stringify(r.json));
    const id = r.json['jobId'] as string;
    const mine = (): JobView[] => live.views.filter((v) => v.id === id);
    await live.until(() => mine().some((v) => v.status === 'succeeded'));
    // A view comes on every status OR progress change (a file starting inside the job repeats
    // 'running'): the statuses, in order and without repeats, are the job's life.
    const statuses = mine().map((v) => v.status).filter((st, i, a) => i === 0 || a[i - 1] !== st);
    assert.deepEqual(statuses, ['queued', 'running', 'succeeded']);
    assert.deepEqual(mine().at(-1)!.progress, { total: 1, done: 1, succeeded: 1, failed: 0 });
    const done = mine().at(-1)!;
    assert.equal(done.result?.name, 'list.json');
    assert.equal(done.result?.mediaType, 'application/json; charset=utf-8');
    assert.deepEqual(done.warnings, []);
    live.req.destroy();
  });

  await t.test('a job that fails: failed with the stable code, after queued and running', async () => {
    const live = await stream(s);
    const r = await post(s, 'to=yaml&name=broken.json&async=1', '{"a": ');
    const id = r.json['jobId'] as string;
    await live.until(() => live.views.some((v) => v.id === id && v.status === 'failed'));
    const last = live.views.filter((v) => v.id === id).at(-1)!;
    assert.equal(last.error?.code, 'INVALID_INPUT');
    live.req.destroy();
  });

  await t.test('a client that connects while a job runs is told about it at once', async () => {
    // test-spin never finishes: it runs until the job timeout stops it.
    const r = await post(s, 'to=txt&from=txt&converter=test-spin&async=1', 'x');
    assert.equal(r.status, 202, JSON.stringify(r.json));
    const id = r.json['jobId'] as string;
    const live = await stream(s);
    await live.until(() => live.views.some((v) => v.id === id));
    assert.ok(['queued', 'running'].includes(live.views.find((v) => v.id === id)!.status));
    await live.until(() => live.views.some((v) => v.id === id && v.status === 'failed'));
    assert.equal(live.views.filter((v) => v.id === id).at(-1)!.error?.code, 'JOB_TIMEOUT');
    live.req.destroy();
  });
});
