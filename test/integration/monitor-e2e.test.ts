// End to end, wired as `hermetic serve` should wire it: server + runtime monitor + jailed
// conversion pool (tripwire in the workers). A user converter that phones home (loopback
// canary; the tripwire stops it before any packet): in `standard`, two attempts are recorded and
// tolerated; at the third the worker is terminated, the job fails with NETWORK_VIOLATION, the
// live event stream shows attempts then the termination in order, the canary saw nothing, the
// server stays healthy and the next job succeeds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { createServerMonitor, type Monitor } from '../../src/isolation/monitor/index.js';
import { ConvertService } from '../../src/convert/index.js';
import { spawn as jailSpawn, probe } from '../../src/isolation/jail/index.js';
import { startCanary } from '../helpers/canary.js';
import { fixturesDir } from '../helpers/paths.js';
import { onSseFrames } from '../helpers/sse.js';

const caps = probe();
const skip = caps.helperBuilt && (caps.layers.namespace.available || caps.layers.seccomp.available)
  ? undefined
  : `no kernel jail layer here (${caps.layers.namespace.reason}; ${caps.layers.seccomp.reason})`;

interface Ev { id: number; type: string; details: Record<string, unknown> }

function call(s: RunningServer, method: string, path: string, body?: Buffer): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(`${s.url}${path}`, { method, headers: { authorization: `Bearer ${s.ctx.token}`, ...(body ? { 'content-type': 'application/octet-stream' } : {}) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text || '{}') as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Occurrences of a row: the store folds repeats (flood protection) into one row with details.count. */
function occurrences(updates: Ev[], row: Ev): number {
  const last = updates.filter((u) => u.id === row.id).at(-1);
  return Number((last ?? row).details['count'] ?? 1);
}

function stream(s: RunningServer): Promise<{ events: Ev[]; updates: Ev[]; close(): void }> {
  return new Promise((resolve, reject) => {
    const events: Ev[] = [];
    const updates: Ev[] = [];
    const req = request(`${s.url}api/security/events/stream`, { headers: { authorization: `Bearer ${s.ctx.token}` } }, (res) => {
      onSseFrames(res, ({ event, data }) => {
        if (event === 'security_event') events.push(JSON.parse(data) as Ev);
        if (event === 'security_event_update') updates.push(JSON.parse(data) as Ev);
      });
      resolve({ events, updates, close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

const convertPath = (options: Record<string, unknown>) =>
  `api/convert?from=txt&to=txt&converter=test-phone-home&options=${encodeURIComponent(JSON.stringify(options))}`;

test('serve wiring: monitor + jailed pool + SSE — tolerated, then terminated at the 3rd violation', { skip, timeout: 120_000 }, async (t) => {
  const canary = await startCanary();
  const dataDir = mkdtempSync(join(tmpdir(), 'hermetic-monitor-e2e-'));
  const config = loadConfig({ env: {}, flags: {
    dataDir, port: 0, logLevel: 'silent', strictness: 'standard', poolSize: 1, killGraceMs: 500,
    // Long interval: this test's own HTTP client lives in the server process and would be a
    // (correct) cross-check finding; the cross-check has its own tests.
    monitorIntervalMs: 600_000, convertersDir: join(fixturesDir, 'convert', 'network'),
  } });
  let monitor: Monitor | null = null;
  const s = await startServer(config, {
    runtimeFile: false,
    setup: async (ctx) => {
      const m = await createServerMonitor({ config, store: ctx.store, logger: ctx.logger, listenPort: () => ctx.bind?.port });
      monitor = m;
      ctx.monitor = m;
      const svc = new ConvertService({ config, spawn: jailSpawn, store: ctx.store, monitor: m });
      svc.start();
      ctx.jobs = svc;
      return async () => { await svc.close(); m.stop(); };
    },
  });
  t.after(async () => { await s.close(); await canary.close(); rmSync(dataDir, { recursive: true, force: true }); });
  const live = await stream(s);
  t.after(() => live.close());
  const target = { method: 'tcp', host: canary.host, port: canary.tcpPort };

  await t.test('two attempts in standard: recorded, tolerated, the converter carries on', async () => {
    const from = live.events.length;
    const r = await call(s, 'POST', convertPath({ ...target, times: 2 }), Buffer.from('x'));
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const rows = (): Ev[] => live.events.slice(from).filter((e) => e.type === 'network_attempt');
    // Repeats of the same attempt are one row whose count grows (the store's flood protection).
    await waitFor(() => rows().length === 1 && occurrences(live.updates, rows()[0]!) === 2);
    const row = rows()[0]!;
    assert.equal(row.details['detector'], 'tripwire');
    assert.equal(row.details['destination'], `${canary.host}:${canary.tcpPort}`);
    assert.equal(row.details['violations'], 1);
    assert.equal(row.details['terminated'], false);
    assert.equal(live.events.slice(from).filter((e) => e.type === 'process_terminated').length, 0);
  });

  await t.test('five attempts: terminated at the third, job fails NETWORK_VIOLATION, events in order', async () => {
    const from = live.events.length;
    const r = await call(s, 'POST', convertPath({ ...target, times: 5 }), Buffer.from('x'));
    assert.equal(r.status, 422);
    assert.equal((r.json['error'] as { code: string }).code, 'NETWORK_VIOLATION', JSON.stringify(r.json));
    await waitFor(() => live.events.slice(from).some((e) => e.type === 'process_terminated'));
    const mine = live.events.slice(from);
    const term = mine.find((e) => e.type === 'process_terminated')!;
    assert.equal(term.details['violations'], 3);
    assert.equal(term.details['code'], 'NETWORK_VIOLATION');
    assert.equal(term.details['role'], 'worker');
    const attempt = mine.find((e) => e.type === 'network_attempt')!;
    assert.ok(attempt.id < term.id, 'the attempt row comes before the termination row');
    assert.equal(attempt.details['pid'], term.details['pid']);
    await waitFor(() => occurrences(live.updates, attempt) >= 3);
    const ids = mine.map((e) => e.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'SSE delivers in id order');
    assert.equal(monitor!.state().terminations, 1);
  });

  await t.test('nothing reached the canary; the server is healthy and the next job succeeds', async () => {
    assert.equal(canary.hits, 0);
    const h = await call(s, 'GET', 'api/health');
    assert.equal(h.status, 200);
    assert.equal((h.json['isolation'] as { monitor: { active: boolean } }).monitor.active, true);
    const r = await call(s, 'POST', 'api/convert?from=yaml&to=json&respond=json', Buffer.from('a: 1\n'));
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal((r.json['job'] as { status: string }).status, 'succeeded');
  });
});

async function waitFor(pred: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
