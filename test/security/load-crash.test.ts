// Issue 13: the load and crash suite, bounded in time.
//  1. A burst of ten times the queue's capacity at once: no crash, every refusal a 503 with
//     Retry-After, memory bounded, and once it settles no worker or job folder left over.
//  2. Five times `kill -9` of the server while conversions run and security events are written:
//     the database passes integrity_check, no event a client saw (over the live stream) is lost,
//     no process of the killed server survives it, and its job rows are reconciled at restart.
// Real `hermetic serve` processes, real jailed workers, raw sockets. The figures are printed
// (lines starting with `#`): peak RSS, latency percentiles, leftovers, events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { startCanary } from '../helpers/canary.js';
import { fixturesDir } from '../helpers/paths.js';
import { onSseFrames } from '../helpers/sse.js';
import { privateTmp, processesMentioning, processTree, rawRequest, removeTree, rssBytes, serve, sleep, type Served } from './harness.js';

const MB = 1024 * 1024;
const POOL = 2;
/** ConvertService's default bound of waiting jobs (service.ts maxQueued). */
const MAX_QUEUED = 16;
const CSV = Buffer.from('a,b,c\n1,2,3\n4,5,6\n');

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const auth = (s: Served) => ({ authorization: `Bearer ${s.token}` });

async function poolReady(s: Served, want: number, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const r = await rawRequest(s.port, 'GET', '/api/jobs', auth(s));
    if (r.status === 200 && (JSON.parse(r.body) as { stats: { pool: { ready: number } } }).stats.pool.ready >= want) return;
    await sleep(250);
  }
}

/** Worker processes (the jailed Node converter entry) in a server's process tree. */
function workerPids(serverPid: number): number[] {
  return processTree(serverPid).filter((p) => {
    // The Node process itself, not the jail helper whose argv repeats the worker's command line;
    // running the worker as tsc wrote it or bundled (src/bundles.ts).
    try { const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0'); return /node\d*$/.test(argv[0] ?? '') && argv.some((a) => /(convert\/worker\.js|bundle\/worker\/worker\.mjs)$/.test(a)); } catch { return false; }
  });
}

/** Job folders now: every folder in every run root under <dataDir>/jobs. */
function jobFolders(dataDir: string): string[] {
  const root = join(dataDir, 'jobs');
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((run) => { try { return readdirSync(join(root, run)).map((w) => `${run}/${w}`); } catch { return []; } });
}

test('a burst of 10× the queue capacity: 0 crashes, 503 + Retry-After, bounded memory, nothing left over', { timeout: 600_000 }, async () => {
  // The connection cap is raised here: this measures the queue, not the per-address cap (connections.test.ts).
  const s = await serve({ config: { poolSize: POOL, rateLimit: { max: 1_000_000 }, http: { maxConnectionsPerIp: 1024, maxConnections: 2048 } } });
  let stopped = false;
  try {
    await poolReady(s, 1);
    const capacity = MAX_QUEUED + POOL;
    const burst = 10 * capacity;
    let peakServer = 0;
    let peakTree = 0;
    let peakWorkers = 0;
    const sampler = setInterval(() => {
      peakServer = Math.max(peakServer, rssBytes(s.pid));
      const tree = processTree(s.pid);
      peakTree = Math.max(peakTree, tree.reduce((n, p) => n + rssBytes(p), 0));
      peakWorkers = Math.max(peakWorkers, workerPids(s.pid).length);
    }, 100);
    const latencies: number[] = [];
    const t0 = Date.now();
    const answers = await Promise.all(Array.from({ length: burst }, async () => {
      const t = Date.now();
      const r = await rawRequest(s.port, 'POST', '/api/convert?to=json&name=a.csv&async=1', { ...auth(s), 'content-type': 'application/octet-stream' }, CSV, 120_000);
      latencies.push(Date.now() - t);
      return r;
    }));
    const accepted = answers.filter((a) => a.status === 202).map((a) => (JSON.parse(a.body) as { jobId: string }).jobId);
    const full = answers.filter((a) => a.status === 503);
    const other = answers.filter((a) => a.status !== 202 && a.status !== 503);
    assert.deepEqual(other.map((a) => `${a.status} ${a.body.slice(0, 120)}`), [], 'every answer is 202 or 503');
    for (const a of full) {
      assert.equal((JSON.parse(a.body) as { error: { code: string } }).error.code, 'QUEUE_FULL');
      assert.match(a.headers['retry-after'] ?? '', /^\d+$/, '503 carries Retry-After');
    }
    assert.ok(full.length > 0, 'the burst really exceeded the capacity (positive control)');
    // Every accepted job ends, and none crashed its worker.
    const outcomes: Record<string, number> = {};
    for (const id of accepted) {
      let job: { status: string; error: { code: string } | null } = { status: 'queued', error: null };
      for (let i = 0; i < 600 && (job.status === 'queued' || job.status === 'running'); i++) {
        job = (JSON.parse((await rawRequest(s.port, 'GET', `/api/jobs/${id}`, auth(s))).body) as { job: typeof job }).job;
        if (job.status === 'queued' || job.status === 'running') await sleep(200);
      }
      const key = job.error ? `${job.status}:${job.error.code}` : job.status;
      outcomes[key] = (outcomes[key] ?? 0) + 1;
      await rawRequest(s.port, 'DELETE', `/api/jobs/${id}`, auth(s)); // the result is not wanted: its folder goes
    }
    const settledMs = Date.now() - t0;
    clearInterval(sampler);
    assert.deepEqual(Object.keys(outcomes), ['succeeded'], `every accepted job succeeded: ${JSON.stringify(outcomes)}`);
    // Settled: the pool refills to its warm size; nothing else remains.
    await sleep(3000);
    const stats = (JSON.parse((await rawRequest(s.port, 'GET', '/api/jobs', auth(s))).body) as { stats: { pool: { ready: number; starting: number; building: number } } }).stats.pool;
    const workers = workerPids(s.pid).length;
    const folders = jobFolders(s.dataDir).length;
    latencies.sort((a, b) => a - b);
    console.log(`# burst: ${burst} requests at once (capacity ${capacity}): ${accepted.length} accepted (202), ${full.length} QUEUE_FULL (503 + Retry-After), ${other.length} other; outcomes ${JSON.stringify(outcomes)}; settled in ${settledMs} ms`);
    console.log(`# burst latency: p50 ${pct(latencies, 50)} ms, p99 ${pct(latencies, 99)} ms, max ${latencies[latencies.length - 1]} ms`);
    console.log(`# burst memory: peak server RSS ${(peakServer / MB).toFixed(0)} MiB, peak tree RSS ${(peakTree / MB).toFixed(0)} MiB, peak workers ${peakWorkers}`);
    console.log(`# after settling: ${workers} worker processes, ${folders} job folders, pool ready ${stats.ready} starting ${stats.starting} compile-cache builder ${stats.building}`);
    assert.ok(peakServer < 512 * MB, `server RSS stayed under 512 MiB (peak ${(peakServer / MB).toFixed(0)} MiB)`);
    assert.ok(peakWorkers <= POOL * 4, `workers stayed bounded (peak ${peakWorkers})`);
    // The compile-cache builder may start once the burst has settled (the pool is quiet then).
    assert.equal(workers, stats.ready + stats.starting + stats.building, 'no worker besides the warm pool and its cache builder');
    assert.equal(folders, workers, 'no job folder besides the warm workers\' own');
    const exit = await s.stop();
    stopped = true;
    assert.equal(exit.code, 0);
    let left = processesMentioning(s.dataDir);
    for (let i = 0; i < 25 && left.length; i++) { await sleep(200); left = processesMentioning(s.dataDir); }
    assert.deepEqual(left, [], 'no process outlives the server');
    assert.deepEqual(jobFolders(s.dataDir), [], 'no job folder outlives the server');
    console.log(`# after stop: ${left.length} processes, ${jobFolders(s.dataDir).length} job folders`);
  } finally {
    if (!stopped) await s.stop();
    removeTree(s.dataDir);
  }
});

/** Follow the event stream from `afterId`; every inserted row it delivers (an `id:`) is acknowledged. */
function followEvents(s: Served, seen: Set<number>, types: Record<string, number>, afterId: number): () => void {
  const req = request({ host: '127.0.0.1', port: s.port, path: `/api/security/events/stream?afterId=${afterId}`, headers: { host: `127.0.0.1:${s.port}`, ...auth(s) }, agent: false }, (res) => {
    onSseFrames(res, (f) => {
      if (f.event !== 'security_event' || f.id === undefined) return;
      seen.add(f.id);
      const type = (JSON.parse(f.data) as { type: string }).type;
      types[type] = (types[type] ?? 0) + 1;
    });
    res.on('error', () => {});
  });
  req.on('error', () => {});
  req.end();
  return () => req.destroy();
}

test('5 × kill -9 during conversions and event writes: integrity ok, no acknowledged event lost, no orphans, jobs reconciled', { timeout: 900_000 }, async () => {
  const dataDir = privateTmp();
  const canary = await startCanary();
  const converters = join(fixturesDir, 'convert', 'network');
  const config = { poolSize: POOL, rateLimit: { max: 1_000_000 } };
  const allJobs = new Set<string>();
  let lastId = 0;
  const figures: string[] = [];
  try {
    for (let round = 1; round <= 5; round++) {
      const s = await serve({ dataDir, config, args: ['--converters', converters] });
      // Reconciled at this start: no job of an earlier (killed) server is still queued or running.
      const db0 = new DatabaseSync(join(dataDir, 'hermetic.db'), { readOnly: true });
      const stale = db0.prepare("SELECT COUNT(*) AS n FROM jobs WHERE status IN ('queued', 'running')").get() as { n: number };
      const interrupted = db0.prepare("SELECT COUNT(*) AS n FROM jobs WHERE status = 'interrupted'").get() as { n: number };
      db0.close();
      assert.equal(Number(stale.n), 0, `round ${round}: the earlier server's unfinished jobs were reconciled at start`);
      const runsBefore = readdirSync(join(dataDir, 'jobs')).filter((r) => !r.startsWith(`run-${s.pid}-`));
      assert.deepEqual(runsBefore, [], `round ${round}: the killed server's job folders were swept at start`);

      const acked = new Set<number>();
      const ackedTypes: Record<string, number> = {};
      const unfollow = followEvents(s, acked, ackedTypes, lastId);
      let submitting = true;
      let submitted = 0;
      const submitter = (async () => {
        for (let i = 0; submitting; i++) {
          const phone = i % 2 === 0;
          const q = phone
            ? `/api/convert?to=txt&name=a.txt&async=1&converter=test-phone-home&options=${encodeURIComponent(JSON.stringify({ method: i % 4 === 0 ? 'tcp' : 'dns', host: canary.host, port: canary.tcpPort, udpPort: canary.udpPort }))}`
            : '/api/convert?to=json&name=a.csv&async=1';
          try {
            const r = await rawRequest(s.port, 'POST', q, { ...auth(s), 'content-type': 'application/octet-stream' }, phone ? Buffer.from('x') : CSV, 10_000);
            if (r.status === 202) { allJobs.add((JSON.parse(r.body) as { jobId: string }).jobId); submitted++; }
          } catch { /* the server was killed mid-request */ }
          await sleep(50);
        }
      })();
      // Kill at a random moment once conversions finish and their events are flowing.
      const waitUntil = Date.now() + 60_000;
      const finished = async () => {
        const r = await rawRequest(s.port, 'GET', '/api/jobs', auth(s)).catch(() => null);
        return r?.status === 200 ? Object.values((JSON.parse(r.body) as { stats: { outcomes: Record<string, number> } }).stats.outcomes).reduce((a, b) => a + b, 0) : 0;
      };
      while ((acked.size < 2 || (await finished()) < 2) && Date.now() < waitUntil) await sleep(200);
      await sleep(500 + Math.floor(Math.random() * 2500));
      const ackedAtKill = new Set(acked);
      const typesAtKill = { ...ackedTypes };
      s.child.kill('SIGKILL');
      await s.exited;
      submitting = false;
      await submitter;
      unfollow();

      let orphans = processesMentioning(dataDir);
      for (let i = 0; i < 50 && orphans.length; i++) { await sleep(200); orphans = processesMentioning(dataDir); }
      assert.deepEqual(orphans, [], `round ${round}: processes of the killed server survived it`);

      const db = new DatabaseSync(join(dataDir, 'hermetic.db'), { readOnly: true });
      const integrity = (db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check;
      const present = new Set((db.prepare('SELECT id FROM security_events').all() as { id: number }[]).map((r) => Number(r.id)));
      const unfinished = Number((db.prepare("SELECT COUNT(*) AS n FROM jobs WHERE status IN ('queued', 'running')").get() as { n: number }).n);
      db.close();
      const lost = [...ackedAtKill].filter((id) => !present.has(id));
      assert.equal(integrity, 'ok', `round ${round}: integrity_check`);
      assert.ok(ackedAtKill.size >= 2, `round ${round}: events were being written (${ackedAtKill.size} acknowledged)`);
      assert.deepEqual(lost, [], `round ${round}: acknowledged events lost`);
      lastId = Math.max(lastId, ...present);
      figures.push(`round ${round}: ${submitted} jobs submitted, ${ackedAtKill.size} new events acknowledged over the stream before kill -9 (${JSON.stringify(typesAtKill)}), ${lost.length} lost, integrity ${integrity}, ${orphans.length} orphans, ${unfinished} job rows left queued/running (reconciled at the next start), ${Number(interrupted.n)} interrupted so far`);
    }
    // The last start reconciles the fifth kill; every job ever accepted is in a final state.
    const s = await serve({ dataDir, config, args: ['--converters', converters] });
    try {
      const db = new DatabaseSync(join(dataDir, 'hermetic.db'), { readOnly: true });
      const byStatus = db.prepare('SELECT status, COUNT(*) AS n FROM jobs GROUP BY status').all() as { status: string; n: number }[];
      db.close();
      const counts = Object.fromEntries(byStatus.map((r) => [r.status, Number(r.n)]));
      figures.push(`after the last restart: job rows ${JSON.stringify(counts)} (${allJobs.size} accepted over 5 rounds)`);
      assert.equal((counts.queued ?? 0) + (counts.running ?? 0), 0, 'no job row left queued or running');
      assert.ok((counts.interrupted ?? 0) > 0, 'the kills interrupted jobs (positive control: the rounds really killed work in flight)');
      for (const id of allJobs) {
        const r = await rawRequest(s.port, 'GET', `/api/jobs/${id}`, auth(s));
        assert.equal(r.status, 200, `GET /api/jobs/${id} after the restarts`);
      }
    } finally {
      await s.stop();
    }
    await sleep(100);
    assert.equal(canary.hits, 0, 'the canary saw nothing: every phone-home attempt was stopped');
    for (const f of figures) console.log(`# crash ${f}`);
  } finally {
    await canary.close();
    removeTree(dataDir);
  }
});
