// POST /api/security/verify and the isolation block of /api/health, through a real server
// with the verification wired exactly as `hermetic serve` does it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/index.js';
import { startServer } from '../../../src/server/index.js';
import { serveIsolation } from '../../../src/server/launcher/index.js';
import { helperBuilt } from '../../../src/isolation/jail/index.js';
import { req } from '../../unit/server-client.js';

test('POST /api/security/verify: token required, runs every check, server.bind measured on the real socket; health shows the same facts', async (t) => {
  if (process.platform !== 'linux') return t.skip('reads Linux /proc and uses the Linux jail');
  if (!helperBuilt()) return t.skip('native/build/hermetic-jail is not built (no C compiler at install)');
  const dataDir = mkdtempSync(join(tmpdir(), 'hermetic-verify-route-'));
  const config = loadConfig({ env: {}, flags: { dataDir, port: 0, logLevel: 'silent', strictness: 'strict' } });
  const iso = serveIsolation(config);
  const server = await startServer(config, { setup: iso.setup, runtimeFile: false });
  t.after(async () => { await server.close(); rmSync(dataDir, { recursive: true, force: true }); });
  assert.equal(await iso.afterListen(server.ctx), null, 'strict serves whatever the verdict');
  const port = server.ctx.bind?.port ?? 0;

  const anon = await req(port, '/api/security/verify', { method: 'POST' });
  assert.equal(anon.status, 401);

  const res = await req(port, '/api/security/verify', { method: 'POST', headers: { authorization: `Bearer ${server.ctx.token}` } });
  assert.equal(res.status, 200, res.body);
  const body = res.json() as { report: { trigger: string; checks: { id: string; status: string; detail: string }[] }; isolation: { level: string } };
  assert.equal(body.report.trigger, 'on-demand');
  const bind = body.report.checks.find((c) => c.id === 'server.bind');
  assert.equal(bind?.status, 'pass', bind?.detail);
  assert.match(bind?.detail ?? '', new RegExp(`127\\.0\\.0\\.1:${port}`));
  assert.equal(body.isolation.level, 'kernel-enforced');
  // No tripwire in this test process: strict is not satisfied, and conversions are refused.
  const decision = iso.canConvert();
  assert.equal(decision.ok, false);
  if (!decision.ok) assert.equal(decision.code, 'ISOLATION_INSUFFICIENT');

  const health = (await req(port, '/api/health')).json() as { isolation: { level: string; verified: boolean; verifiedAt: string; strictness: string; layers: { name: string; inForce: boolean }[]; blockedAttempts: number; lastAttempt: unknown; monitor: { active: boolean } } };
  assert.equal(health.isolation.level, 'kernel-enforced');
  assert.equal(health.isolation.strictness, 'strict');
  assert.equal(health.isolation.verified, false);
  assert.ok(health.isolation.layers.some((l) => l.name === 'seccomp' && l.inForce));
  assert.equal(health.isolation.blockedAttempts, 0);
  assert.equal(typeof health.isolation.monitor.active, 'boolean');

  const status = (await req(port, '/api/security/network-status', { headers: { authorization: `Bearer ${server.ctx.token}` } })).json() as { report: { checks: unknown[] } };
  assert.equal(status.report.checks.length, 10);
  const events = server.ctx.store.query({ type: ['verification_completed', 'verification_failed'] });
  assert.equal(events.total, 2, 'start-up and on-demand');
});

test('POST /api/security/verify without the verify module wired: 503 VERIFY_UNAVAILABLE, nothing claimed', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hermetic-verify-route-'));
  const config = loadConfig({ env: {}, flags: { dataDir, port: 0, logLevel: 'silent' } });
  const server = await startServer(config, { runtimeFile: false });
  t.after(async () => { await server.close(); rmSync(dataDir, { recursive: true, force: true }); });
  const port = server.ctx.bind?.port ?? 0;
  const res = await req(port, '/api/security/verify', { method: 'POST', headers: { authorization: `Bearer ${server.ctx.token}` } });
  assert.equal(res.status, 503);
  assert.equal((res.json() as { error: { code: string } }).error.code, 'VERIFY_UNAVAILABLE');
});
