// The SSE contract of GET /api/security/events/stream, against the real store: every inserted
// row once, in id order, even in a burst; aggregated floods as updates without ids; type filter;
// replay/resume; a bounded number of streams, released when clients leave.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { MAX_STREAMS, formatSse } from '../../src/server/routes/events-stream.js';
import { onSseFrames } from '../helpers/sse.js';

interface Frame { id?: number; event: string; data: { id: number; type: string; details: Record<string, unknown> } }
interface Client { res: IncomingMessage; req: ClientRequest; frames: Frame[]; until(pred: (fs: Frame[]) => boolean, ms?: number): Promise<void>; close(): void }

function connectSse(s: RunningServer, query = '', headers: Record<string, string> = {}): Promise<Client> {
  return new Promise((resolve, reject) => {
    const req = request(`${s.url}api/security/events/stream${query}`, { headers: { authorization: `Bearer ${s.ctx.token}`, ...headers } }, (res) => {
      const frames: Frame[] = [];
      const checks: (() => void)[] = [];
      onSseFrames(res, (f) => { frames.push({ ...f, data: JSON.parse(f.data) as Frame['data'] }); }, () => {
        for (const c2 of [...checks]) c2();
      });
      resolve({
        res, req, frames,
        until: (pred, ms = 5000) => new Promise((ok, fail) => {
          if (pred(frames)) { ok(); return; }
          const t = setTimeout(() => fail(new Error(`timeout; frames: ${frames.length}`)), ms);
          const check = (): void => { if (pred(frames)) { clearTimeout(t); checks.splice(checks.indexOf(check), 1); ok(); } };
          checks.push(check);
        }),
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function getOnce(s: RunningServer, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${s.url}${path}`, { headers: { authorization: `Bearer ${s.ctx.token}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function withServer(fn: (s: RunningServer) => Promise<void>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hermetic-sse-'));
  const config = loadConfig({ env: {}, flags: { dataDir, port: 0, logLevel: 'silent', rateLimit: { max: 10_000, windowMs: 60_000 } } });
  const s = await startServer(config, { runtimeFile: false, store: { maxRowsPerSecond: 10_000, burstRows: 10_000, flushIntervalMs: 50 } });
  try {
    await fn(s);
  } finally {
    await s.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

test('frame format: inserted rows carry an id, aggregated updates do not', () => {
  const ev = { id: 7, type: 'network_attempt' as const, severity: 'warning' as const, details: { a: 'x\ny' }, timestamp: '2026-01-01T00:00:00.000Z' };
  assert.equal(formatSse(ev, 'inserted'), `id: 7\nevent: security_event\ndata: ${JSON.stringify(ev)}\n\n`);
  assert.equal(formatSse(ev, 'aggregated'), `event: security_event_update\ndata: ${JSON.stringify(ev)}\n\n`);
  assert.ok(!JSON.stringify(ev).includes('\n'), 'a newline in details cannot break a frame');
});

test('a burst of 300 rows arrives complete and in id order', async () => {
  await withServer(async (s) => {
    const c = await connectSse(s);
    try {
      const ids: number[] = [];
      for (let i = 0; i < 300; i++) {
        const r = s.ctx.store.record({ type: 'network_attempt', severity: 'warning', details: { detector: 'tripwire', seq: i }, dedupKey: `burst-${i}` });
        assert.equal(r.status, 'inserted');
        ids.push(r.id!);
      }
      await c.until((fs) => fs.filter((f) => f.event === 'security_event').length >= 300);
      const got = c.frames.filter((f) => f.event === 'security_event');
      assert.deepEqual(got.map((f) => f.id), ids);
      assert.deepEqual(got.map((f) => f.data.details['seq']), [...Array(300).keys()]);
      assert.ok(got.every((f) => f.data.id === f.id));
    } finally {
      c.close();
    }
  });
});

test('an aggregated flood is one row plus updates; type filter; resume via Last-Event-ID', async () => {
  await withServer(async (s) => {
    const onlyDns = await connectSse(s, '?type=dns_blocked');
    const all = await connectSse(s);
    try {
      const first = s.ctx.store.record({ type: 'dns_blocked', severity: 'warning', details: { host: 'x.invalid' }, dedupKey: 'flood' });
      for (let i = 0; i < 5; i++) assert.equal(s.ctx.store.record({ type: 'dns_blocked', severity: 'warning', details: { host: 'x.invalid' }, dedupKey: 'flood' }).status, 'aggregated');
      const other = s.ctx.store.record({ type: 'network_attempt', severity: 'warning', details: {} });
      await all.until((fs) => fs.some((f) => f.event === 'security_event_update' && Number(f.data.details['count']) === 6));
      const inserted = all.frames.filter((f) => f.event === 'security_event').map((f) => f.id);
      assert.deepEqual(inserted, [first.id, other.id], 'the flood is one row');
      assert.ok(all.frames.filter((f) => f.event === 'security_event_update').every((f) => f.id === undefined && f.data.id === first.id));
      await onlyDns.until((fs) => fs.some((f) => f.event === 'security_event_update'));
      assert.ok(onlyDns.frames.every((f) => f.data.type === 'dns_blocked'), 'filtered by type');

      const resumed = await connectSse(s, '', { 'last-event-id': String(first.id) });
      try {
        await resumed.until((fs) => fs.some((f) => f.id === other.id));
        assert.deepEqual(resumed.frames.filter((f) => f.event === 'security_event').map((f) => f.id), [other.id], 'only rows after the resume point');
      } finally {
        resumed.close();
      }
    } finally {
      onlyDns.close();
      all.close();
    }
  });
});

test(`at most ${MAX_STREAMS} streams; a closed one frees its slot; bad queries are 400`, async () => {
  await withServer(async (s) => {
    const clients: Client[] = [];
    try {
      for (let i = 0; i < MAX_STREAMS; i++) clients.push(await connectSse(s));
      assert.ok(clients.every((c) => c.res.statusCode === 200));
      const refused = await getOnce(s, 'api/security/events/stream');
      assert.equal(refused.status, 503);
      assert.equal(JSON.parse(refused.body).error.code, 'TOO_MANY_STREAMS');
      clients.shift()!.close();
      let ok: Client | null = null;
      for (let i = 0; i < 50 && !ok; i++) {
        await new Promise((r) => setTimeout(r, 20));
        const c = await connectSse(s);
        if (c.res.statusCode === 200) ok = c; else c.close();
      }
      assert.ok(ok, 'the slot was released');
      clients.push(ok);
      const bad = await getOnce(s, 'api/security/events/stream?type=nonsense');
      assert.equal(bad.status, 400);
    } finally {
      for (const c of clients) c.close();
    }
  });
});
