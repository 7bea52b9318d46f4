// The monitor inside a running server (a child process, so the test's own HTTP client is not
// part of the server's process tree): SSE delivers rows in order and resumes; /api/metrics
// speaks Prometheus; and the /proc cross-check finds a socket the server process deliberately
// left open to a loopback canary — delivered live as a critical monitor_hole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { request, type IncomingMessage } from 'node:http';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturesDir, testNode } from '../helpers/paths.js';
import { startCanary } from '../helpers/canary.js';
import { onSseFrames } from '../helpers/sse.js';

interface Started { child: ChildProcess; url: string; token: string; pid: number; port: number; ask(line: string): Promise<Record<string, unknown>>; dataDir: string }

async function startLeakyServer(): Promise<Started> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hermetic-monitor-'));
  const child = spawn(testNode, [join(fixturesDir, 'monitor', 'server-with-leak.mjs'), dataDir, '150'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const it = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => {
    const r = await it.next();
    if (r.done) throw new Error('server fixture exited');
    return JSON.parse(String(r.value)) as Record<string, unknown>;
  };
  const info = await next();
  return {
    child, dataDir, url: String(info.url), token: String(info.token), pid: Number(info.pid), port: Number(info.port),
    ask: async (line) => { child.stdin!.write(`${line}\n`); return next(); },
  };
}

async function stop(s: Started): Promise<void> {
  if (s.child.exitCode === null && s.child.signalCode === null) {
    s.child.kill('SIGTERM');
    await once(s.child, 'exit');
  }
  rmSync(s.dataDir, { recursive: true, force: true });
}

interface SseFrame { id?: number; event: string; data: Record<string, unknown> }

/** A minimal SSE client (the test must not depend on the code under test to parse its output). */
function openStream(s: Started, path: string, headers: Record<string, string> = {}): Promise<{ res: IncomingMessage; frames: SseFrame[]; waitFor(pred: (f: SseFrame) => boolean, ms?: number): Promise<SseFrame>; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = request(`${s.url.replace(/\/$/, '')}${path}`, { headers: { authorization: `Bearer ${s.token}`, accept: 'text/event-stream', ...headers } }, (res) => {
      const frames: SseFrame[] = [];
      const waiters: { pred: (f: SseFrame) => boolean; resolve: (f: SseFrame) => void }[] = [];
      onSseFrames(res, (f) => {
        const frame: SseFrame = { ...f, data: JSON.parse(f.data) as Record<string, unknown> };
        frames.push(frame);
        for (const w of [...waiters]) if (w.pred(frame)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(frame); }
      });
      resolve({
        res, frames,
        waitFor: (pred, ms = 5000) => {
          const hit = frames.find(pred);
          if (hit) return Promise.resolve(hit);
          return new Promise((ok, fail) => {
            const t = setTimeout(() => fail(new Error(`no matching SSE frame within ${ms} ms; got ${JSON.stringify(frames.map((x) => x.data['type']))}`)), ms);
            waiters.push({ pred, resolve: (f) => { clearTimeout(t); ok(f); } });
          });
        },
        close: () => { req.destroy(); },
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function get(s: Started, path: string, auth = true): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${s.url.replace(/\/$/, '')}${path}`, { headers: auth ? { authorization: `Bearer ${s.token}` } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const skip = process.platform !== 'linux' ? 'the /proc cross-check exists on Linux only' : undefined;

test('server + monitor: SSE in order, resume, metrics, and the cross-check finds a leaked server socket', { skip }, async (t) => {
  const canary = await startCanary();
  const s = await startLeakyServer();
  t.after(async () => { await stop(s); await canary.close(); });

  await t.test('the stream needs the token', async () => {
    const r = await get(s, '/api/security/events/stream', false);
    assert.equal(r.status, 401);
    assert.equal(JSON.parse(r.body).error.code, 'TOKEN_REQUIRED');
  });

  await t.test('replay from afterId=0 starts with the monitor lifecycle, ids strictly increasing', async () => {
    const st = await openStream(s, '/api/security/events/stream?afterId=0');
    try {
      assert.equal(st.res.statusCode, 200);
      assert.match(String(st.res.headers['content-type']), /^text\/event-stream/);
      assert.equal(st.res.headers['cache-control'], 'no-store');
      assert.ok(st.res.headers['content-security-policy'], 'security headers on the stream too');
      const started = await st.waitFor((f) => f.data['type'] === 'monitor_started');
      const sources = (started.data['details'] as { sources: Record<string, { active: boolean }> }).sources;
      assert.equal(sources['proc-scan']?.active, true);
      assert.equal(sources['tripwire']?.active, false, 'this test build has no tripwire, and the monitor says so');
      await st.waitFor((f) => f.data['type'] === 'monitor_degraded');
      const ids = st.frames.filter((f) => f.id !== undefined).map((f) => f.id!);
      assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
      assert.equal(new Set(ids).size, ids.length);
    } finally {
      st.close();
    }
  });

  await t.test('a socket left open by the server process: found, critical, delivered live, resumable', async () => {
    const live = await openStream(s, '/api/security/events/stream');
    try {
      const target = `127.0.0.1:${canary.tcpPort}`;
      const leak = await s.ask(`leak ${canary.tcpPort}`);
      assert.equal(typeof leak.leaked, 'number');
      const hole = await live.waitFor((f) => f.data['type'] === 'monitor_hole' && (f.data['details'] as Record<string, unknown>)['remote'] === target);
      const d = hole.data['details'] as Record<string, unknown>;
      assert.equal(hole.data['severity'], 'critical');
      assert.equal(d['detector'], 'proc-scan');
      assert.equal(d['pid'], s.pid);
      assert.equal(d['local'], `127.0.0.1:${leak.leaked}`);
      assert.equal(d['why'], 'outgoing loopback connection');
      assert.equal(d['terminated'], false, 'the server is not killed by its own monitor');
      assert.ok(hole.id && hole.id > 0);
      // The server's own listener and the connections it accepted (this test's requests) are not violations.
      const others = live.frames.filter((f) => f.data['type'] === 'monitor_hole' && (f.data['details'] as Record<string, unknown>)['remote'] !== target);
      assert.deepEqual(others.map((f) => f.data['details']), []);

      // Resume with Last-Event-ID just before the hole: it is replayed, nothing before it.
      const resumed = await openStream(s, '/api/security/events/stream', { 'last-event-id': String(hole.id! - 1) });
      try {
        const again = await resumed.waitFor((f) => f.id === hole.id);
        assert.equal(again.data['type'], 'monitor_hole');
        assert.ok(resumed.frames.every((f) => f.id === undefined || f.id >= hole.id!));
      } finally {
        resumed.close();
      }
      // One socket, one violation: later cycles do not report it again.
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(live.frames.filter((f) => f.data['type'] === 'monitor_hole').length, 1);
    } finally {
      live.close();
    }
  });

  await t.test('metrics: Prometheus text with monitor, attempt and event counters', async () => {
    const r = await get(s, '/api/metrics');
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.match(r.body, /^hermetic_monitor_active 1$/m);
    assert.match(r.body, /^hermetic_monitor_source_active\{source="proc-scan"\} 1$/m);
    assert.match(r.body, /^hermetic_monitor_source_active\{source="tripwire"\} 0$/m);
    assert.match(r.body, /^hermetic_monitor_attempts_total\{type="monitor_hole",detector="proc-scan"\} 1$/m);
    const cycles = Number(/^hermetic_monitor_cycles_total (\d+)$/m.exec(r.body)?.[1]);
    assert.ok(cycles >= 1, `cycles: ${cycles}`);
    const observed = Number(/^hermetic_monitor_cycle_duration_seconds_count (\d+)$/m.exec(r.body)?.[1]);
    assert.ok(observed >= 1 && observed <= cycles + 1, `histogram count ${observed} vs cycles ${cycles}`);
    assert.match(r.body, /^hermetic_security_events_total\{type="monitor_hole"\} 1$/m);
    assert.match(r.body, /^# TYPE hermetic_monitor_terminations_total counter$/m);
    const noToken = await get(s, '/api/metrics', false);
    assert.equal(noToken.status, 401);
  });

  await t.test('network-status includes the monitor state', async () => {
    const r = await get(s, '/api/security/network-status');
    const body = JSON.parse(r.body) as { monitor: { active: boolean; blockedAttempts: number; lastAttempt: { detector: string } } };
    assert.equal(body.monitor.active, true);
    assert.ok(body.monitor.blockedAttempts >= 1);
    assert.equal(body.monitor.lastAttempt.detector, 'proc-scan');
  });
});
