// Issue 13.8: uploads were held in memory with no global cap (30 concurrent 99 MiB uploads →
// 1.8 GiB RSS). They are now streamed into their job's folder on disk as they arrive, within a
// server-wide budget of bytes in flight; beyond it an upload is refused at once with 503
// QUEUE_FULL + Retry-After. Real server, real sockets (raw ones: the client holds nothing but
// one 64 KiB chunk, so the memory measured is the server's).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startConvertServer, type TestServer } from './convert-server.js';

const MiB = 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 0x61); // 'aaaa…': one CSV row far over the row limit (fails fast)

interface Upload { status: number; headers: Record<string, string>; body: string; sent: number }

/**
 * POST `bytes` of octet-stream over a raw socket, chunk by chunk (respecting backpressure), and
 * read the answer. `pauseAt`: stop sending after that many bytes until `resume()` is called.
 */
function upload(srv: TestServer, path: string, bytes: number, pauseAt = Infinity): { done: Promise<Upload>; resume: () => void } {
  let resume: () => void = () => {};
  const paused = new Promise<void>((r) => { resume = r; });
  const done = new Promise<Upload>((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port: srv.port });
    let answer = '';
    let sent = 0;
    let stop = false;
    sock.on('data', (d: Buffer) => { answer += d.toString('latin1'); stop = true; });
    sock.on('error', (e: NodeJS.ErrnoException) => { if (!answer) reject(e); });
    sock.on('close', () => {
      const [head = '', body = ''] = answer.split('\r\n\r\n', 2);
      const lines = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines.slice(1)) { const i = l.indexOf(':'); if (i > 0) headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim(); }
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0), headers, body, sent });
    });
    sock.once('connect', async () => {
      sock.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nAuthorization: ${srv.auth.authorization}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${bytes}\r\nConnection: close\r\n\r\n`);
      while (sent < bytes && !stop && !sock.destroyed) {
        if (sent >= pauseAt) { await paused; pauseAt = Infinity; }
        const n = Math.min(CHUNK.length, bytes - sent);
        sent += n;
        if (!sock.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) await new Promise<void>((r) => { sock.once('drain', r); sock.once('close', r); });
      }
    });
  });
  return { done, resume };
}

function spooledFiles(dataDir: string): { path: string; bytes: number }[] {
  const out: { path: string; bytes: number }[] = [];
  const jobs = join(dataDir, 'jobs');
  if (!existsSync(jobs)) return out;
  for (const run of readdirSync(jobs)) {
    for (const j of readdirSync(join(jobs, run)).filter((n) => n.startsWith('j-'))) {
      for (const f of readdirSync(join(jobs, run, j)).filter((n) => n.startsWith('u-'))) {
        const p = join(jobs, run, j, f);
        try { out.push({ path: p, bytes: statSync(p).size }); } catch { /* moved meanwhile */ }
      }
    }
  }
  return out;
}

/** Bytes the server holds for uploads and unfinished jobs (its own count). */
function inFlight(srv: TestServer): number {
  return srv.svc.stats().uploads?.inFlightBytes ?? 0;
}

async function until(pred: () => boolean, ms = 10_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) if (pred()) return true;
  return pred();
}

let srv: TestServer;
before(async () => { srv = await startConvertServer({ uploadLimitBytes: 16 * MiB }, { maxInFlightBytes: 24 * MiB }); });
after(async () => { await srv.stop(); });

test('an upload lands in its job folder on disk while it is still arriving (not in memory)', async () => {
  const up = upload(srv, '/api/convert?async=1&to=json&from=csv', 6 * MiB, 3 * MiB);
  const onDisk = await until(() => spooledFiles(srv.dataDir).some((f) => f.bytes >= 3 * MiB - CHUNK.length * 4));
  assert.ok(onDisk, `half the body is in jobs/run-*/j-*/u-0 before the rest is sent: ${JSON.stringify(spooledFiles(srv.dataDir))}`);
  assert.ok(inFlight(srv) >= 3 * MiB - CHUNK.length * 4, 'and counted against the budget');
  up.resume();
  const r = await up.done;
  assert.equal(r.status, 202, r.body);
});

test('twelve concurrent 7 MiB uploads against a 24 MiB budget: 503 QUEUE_FULL + Retry-After beyond it, server memory bounded, nothing left behind', async () => {
  await until(() => inFlight(srv) === 0, 30_000);
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  let peakBudget = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
    peakBudget = Math.max(peakBudget, inFlight(srv));
  }, 10);
  const results = await Promise.all(Array.from({ length: 12 }, () => upload(srv, '/api/convert?async=1&to=json&from=csv', 7 * MiB).done));
  clearInterval(sampler);
  const statuses = results.map((r) => r.status);
  const refused = results.filter((r) => r.status === 503);
  assert.ok(statuses.every((s) => s === 202 || s === 503), `only accepted or refused-for-load: ${statuses.join(',')}`);
  assert.ok(refused.length >= 1, `some uploads were over the budget: ${statuses.join(',')}`);
  assert.ok(statuses.includes(202), 'and some fit');
  for (const r of refused) {
    assert.equal((JSON.parse(r.body) as { error: { code: string } }).error.code, 'QUEUE_FULL');
    assert.ok(Number(r.headers['retry-after']) >= 1, 'with Retry-After');
  }
  assert.ok(peakBudget <= 24 * MiB, `bytes in flight never passed the budget (peak ${peakBudget})`);
  const grew = (peak - rss0) / MiB;
  assert.ok(grew < 40, `server memory grew ${grew.toFixed(1)} MiB for 84 MiB offered (held in memory it would be ≥ 84)`);
  // Everything settles: the budget is released and no upload is left on disk.
  assert.ok(await until(() => inFlight(srv) === 0 && srv.svc.stats().running === 0 && srv.svc.stats().queued === 0, 60_000), JSON.stringify(srv.svc.stats()));
  assert.deepEqual(spooledFiles(srv.dataDir), []);
});
