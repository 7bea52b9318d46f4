// The privacy property of issue 15: files of one job (one request) may share a worker process;
// two jobs never do. Interleaved multi-file jobs go through a real server with two lanes. Each
// file reports, from inside the worker, a token its process drew at start (a jailed worker
// sees only its namespace pid); the server records pid + start time per file, per job and in
// sandbox_runs. The two views must agree (one process ↔ one token), the process sets of
// different jobs must be disjoint — and within a job sharing must really happen (the positive
// control: the test can see a shared process, so "no sharing across jobs" is not vacuous).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ConvertService } from '../../src/convert/index.js';
import { unjailedSpawnForTests } from '../unit/convert-unjailed-spawn.js';
import { startConvertServer, type TestServer } from './convert-server.js';
import { fixturesDir } from '../helpers/paths.js';

interface Facts { token: string; jobsSeen: number; input: string }
interface BatchView { id: string; status: string; files: { id: string; status: string; worker: { pid: number; startTime: number } | null }[]; workers: { pid: number; startTime: number }[] }

let srv: TestServer;
before(async () => { srv = await startConvertServer({ poolSize: 2, convertersDir: join(fixturesDir, 'convert', 'plugins') }); });
after(async () => { await srv.stop(); });

async function submit(tag: string, n: number): Promise<string> {
  const fd = new FormData();
  fd.append('to', 'txt');
  fd.append('from', 'txt');
  fd.append('converter', 'test-echo');
  for (let i = 0; i < n; i++) fd.append('file', new Blob([`${tag}-${i}`]), `${tag}-${i}.txt`);
  const res = await fetch(`${srv.base}/api/convert?async=1`, { method: 'POST', headers: srv.auth, body: fd });
  assert.equal(res.status, 202, await res.clone().text());
  const body = (await res.json()) as { jobId?: string; batchId?: string };
  return (body.batchId ?? body.jobId)!;
}

async function finished(id: string): Promise<BatchView> {
  await srv.svc.wait(id); // no polling: the API's rate limit would answer 429 to a tight loop
  const res = await fetch(`${srv.base}/api/jobs/${id}`, { headers: srv.auth });
  assert.equal(res.status, 200, await res.clone().text());
  return ((await res.json()) as { job: BatchView }).job;
}

const key = (p: { pid: number; startTime: number }): string => `${p.pid}@${p.startTime}`;

test('interleaved jobs never share a worker process; files of one job do', async () => {
  // Submitted back to back so that their files interleave on the two lanes.
  const ids = [];
  for (const [tag, n] of [['A', 6], ['B', 4], ['C', 1], ['D', 5], ['E', 3]] as const) ids.push({ tag, id: await submit(tag, n) });
  const seen = new Map<string, string>(); // process → job
  const tokenOf = new Map<string, string>(); // process (as the server recorded it) → token (as the worker said)
  const processOf = new Map<string, string>();
  let shared = 0;
  for (const { tag, id } of ids) {
    const job = await finished(id);
    assert.equal(job.status, 'succeeded', JSON.stringify(job));
    const procs = new Set(job.workers.map(key));
    for (const f of job.files) {
      const res = await fetch(`${srv.base}/api/jobs/${f.id}/result`, { headers: srv.auth });
      assert.equal(res.status, 200);
      const facts = JSON.parse(await res.text()) as Facts;
      assert.match(facts.input, new RegExp(`^${tag}-\\d$`), 'its own input');
      // What the worker says about itself and what the server recorded must be one mapping.
      assert.ok(f.worker, 'the server recorded the file\'s process');
      const p = key(f.worker);
      assert.ok(procs.has(p), 'one of the job\'s own workers');
      assert.equal(tokenOf.get(p) ?? facts.token, facts.token, `process ${p} reported two tokens`);
      assert.equal(processOf.get(facts.token) ?? p, p, `token ${facts.token} came from two processes`);
      tokenOf.set(p, facts.token);
      processOf.set(facts.token, p);
      if (facts.jobsSeen > 1) shared++;
    }
    for (const p of procs) {
      assert.ok(!seen.has(p), `process ${p} ran job ${tag} and job ${seen.get(p)}`);
      seen.set(p, tag);
    }
    // The same facts in the store: one sandbox run per worker of the job, pid + start time.
    const runs = srv.s.ctx.store.sandboxRuns.forJob(id);
    assert.deepEqual(new Set(runs.map((r) => `${r.pid}@${String((r.usage as { startTime?: number } | undefined)?.startTime)}`)), procs);
  }
  assert.ok(shared > 0, 'positive control: files of one job did share a process');
  assert.ok(seen.size >= ids.length, 'every job had its own process(es)');
});

test('a worker refuses a file of a second job: it exits, it never answers', async () => {
  // Below the service (which never offers one): the worker's own lock. No jail needed to test
  // the lock itself; the pool tests run the same way.
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dataDir = mkdtempSync(join(tmpdir(), 'hermetic-lock-'));
  const svc = new ConvertService({ config: { dataDir, strictness: 'standard', jobTimeoutMs: 20_000, workerMemoryMb: 256, poolSize: 1, logFileNames: false, convertersDir: join(fixturesDir, 'convert', 'plugins'), killGraceMs: 500, resultTtlMs: 60_000 }, spawn: unjailedSpawnForTests, tripwire: false, prewarm: ['plugin'] });
  svc.start();
  try {
    const pool = (svc as unknown as { pool: { acquire(f: string): Promise<{ handle: { child: import('node:child_process').ChildProcess; exited: Promise<{ code: number | null }> }; folder: { inDir: string; outDir: string }; dispose(): Promise<void> }> } }).pool;
    const w = await pool.acquire('plugin');
    const child = w.handle.child;
    const answers: unknown[] = [];
    child.on('message', (m) => answers.push(m));
    const task = (jobId: string, taskId: string) => ({ hermetic: 'job', jobId, taskId, inputFile: join(w.folder.inDir, 'none'), outputDir: w.folder.outDir, from: 'txt', nameHint: null, to: 'txt', converter: 'test-echo', options: {}, maxOutputBytes: 1000 });
    child.send(task('job-one', 't1'));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(answers.length, 1, 'the first job\'s task is answered (an error: no input file)');
    child.send(task('job-two', 't2'));
    const exit = await w.handle.exited;
    assert.equal(exit.code, 70, 'the worker exits at once');
    assert.equal(answers.length, 1, 'and never answers the second job');
    await w.dispose();
  } finally {
    await svc.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
