// startServer() as the other modules use it: the optional services (isolation provider,
// monitor view, setup/cleanup), the runtime file, and the token's life cycle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config/index.js';
import { startServer, readRuntimeInfo, type IsolationSummary, type AppContext } from '../../src/server/index.js';
import type { MonitorState } from '../../src/isolation/monitor/types.js';
import { req } from '../unit/server-client.js';

const config = (dataDir = mkdtempSync(join(tmpdir(), 'hermetic-srv-'))): Config =>
  loadConfig({ env: {}, flags: { dataDir, port: 0, logLevel: 'silent', strictness: 'strict' } });

test('an isolation provider and a monitor view, when wired, are what health and network-status report', async () => {
  const summary: IsolationSummary = {
    level: 'kernel-enforced', verified: true, verifiedAt: '2026-01-01T00:00:00.000Z', strictness: 'strict',
    layers: [{ name: 'namespace', inForce: true, reason: 'canary saw nothing' }], blockedAttempts: 0, lastAttempt: null,
    monitor: { active: true, since: '2026-01-01T00:00:00.000Z' },
  };
  const monitorState: MonitorState = { active: true, since: '2026-01-01T00:00:00.000Z', sources: { tripwire: { active: true, reason: 'installed' } }, blockedAttempts: 0, lastAttempt: null, terminations: 0 };
  let verifyCalls = 0;
  let setupCtx: AppContext | null = null;
  let cleaned = false;
  const s = await startServer(config(), {
    runtimeFile: false,
    isolation: { summary: () => summary, report: () => ({ schema: 1, checks: ['x'] }), verify: async () => { verifyCalls++; return {}; } },
    monitor: { state: () => monitorState },
    setup: (ctx) => { setupCtx = ctx; return () => { cleaned = true; }; },
  });
  try {
    assert.equal(setupCtx, s.ctx, 'setup receives the context before the app is built');
    const port = s.ctx.bind?.port ?? 0;
    const auth = { authorization: `Bearer ${s.ctx.token}` };
    const h = (await req(port, '/api/health')).json() as { isolation: IsolationSummary };
    assert.deepEqual(h.isolation, summary);
    const ns = (await req(port, '/api/security/network-status', { headers: auth })).json() as { report: unknown; monitor: MonitorState };
    assert.deepEqual(ns.report, { schema: 1, checks: ['x'] });
    assert.deepEqual(ns.monitor, monitorState);
    const info = (await req(port, '/api/system/info', { headers: auth })).json() as { networkMonitoring: { available: boolean; active: boolean } };
    assert.deepEqual([info.networkMonitoring.available, info.networkMonitoring.active], [true, true]);
    assert.equal(verifyCalls, 0, 'nothing here runs a verification by itself');
  } finally {
    await s.close();
  }
  assert.equal(cleaned, true, 'the setup cleanup runs on close');
});

test('without a provider, health is honest: unverified, with the real monitor state and counts', async () => {
  const s = await startServer(config(), { runtimeFile: false, monitor: { state: () => ({ active: false, since: null, sources: {}, blockedAttempts: 0, lastAttempt: null, terminations: 0 }) } });
  try {
    s.ctx.store.record({ type: 'dns_blocked', severity: 'warning', details: { host: 'update.invalid', package: 'some-sdk' } });
    const h = (await req(s.ctx.bind?.port ?? 0, '/api/health')).json() as { isolation: IsolationSummary };
    assert.equal(h.isolation.verified, false);
    assert.equal(h.isolation.level, 'unverified');
    assert.equal(h.isolation.strictness, 'strict');
    assert.equal(h.isolation.blockedAttempts, 1);
    assert.deepEqual(h.isolation.lastAttempt?.summary, 'dns_blocked by some-sdk → update.invalid');
    assert.deepEqual(h.isolation.monitor, { active: false, since: null });
  } finally {
    await s.close();
  }
});

test('runtime file: written with our pid and port, removed on close; server_started recorded', async () => {
  const c = config();
  const s = await startServer(c);
  const info = readRuntimeInfo(c.dataDir);
  assert.equal(info?.pid, process.pid);
  assert.equal(info?.port, s.ctx.bind?.port);
  assert.equal(statSync(join(c.dataDir, 'server.json')).mode & 0o077, 0);
  const started = s.ctx.store.query({ type: 'server_started' }).events;
  assert.equal(started.length, 1);
  assert.equal(started[0]?.details.port, s.ctx.bind?.port);
  await s.close();
  assert.equal(existsSync(join(c.dataDir, 'server.json')), false);
  assert.equal(readRuntimeInfo(c.dataDir), null);
});

test('token: created once (0600) and reused; a token file others can read is replaced', async () => {
  const c = config();
  const a = await startServer(c, { runtimeFile: false });
  const first = a.ctx.token;
  await a.close();
  assert.match(first, /^[0-9a-f]{64}$/);
  assert.equal(statSync(join(c.dataDir, 'token')).mode & 0o777, 0o600);
  const b = await startServer(c, { runtimeFile: false });
  assert.equal(b.ctx.token, first, 'same token across restarts (bookmarked URL keeps working)');
  await b.close();
  chmodSync(join(c.dataDir, 'token'), 0o644);
  const d = await startServer(c, { runtimeFile: false });
  assert.notEqual(d.ctx.token, first, 'a possibly-copied token is not trusted');
  assert.equal(statSync(join(c.dataDir, 'token')).mode & 0o777, 0o600);
  await d.close();
  writeFileSync(join(c.dataDir, 'token'), 'short\n', { mode: 0o600 });
  const e = await startServer(c, { runtimeFile: false });
  assert.match(e.ctx.token, /^[0-9a-f]{64}$/);
  assert.equal(readFileSync(join(c.dataDir, 'token'), 'utf8').trim(), e.ctx.token);
  await e.close();
});

test('a failing setup leaves nothing running and the store closed', async () => {
  const c = config();
  await assert.rejects(startServer(c, { runtimeFile: true, setup: () => { throw new Error('monitor failed to start'); } }), /monitor failed to start/);
  assert.equal(existsSync(join(c.dataDir, 'server.json')), false);
  // The database is not held open: a new server starts in the same data dir.
  const s = await startServer(c, { runtimeFile: false });
  await s.close();
});
