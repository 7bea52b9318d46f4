// The API server's security plugins, over real loopback HTTP (node:http, so any Host/Origin
// can be sent). Every block asserts its exact status and code, next to a positive control.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config/index.js';
import { startServer, StartError, routes, SECURITY_HEADERS, CONTENT_SECURITY_POLICY, type RunningServer, type RoutePlugin } from '../../src/server/index.js';
import { inOfflineNetns } from '../helpers/paths.js';
import { req, raw, rawStatus, type Res } from './server-client.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'hermetic-server-'));
const config = (over: Record<string, unknown> = {}): Config =>
  loadConfig({ env: {}, flags: { dataDir: tmp(), port: 0, logLevel: 'silent', ...over } });

/** A state-changing route for the Origin tests (and malformed-body handling). */
const echoRoute: RoutePlugin = async (app) => {
  app.post('/api/test/echo', async (request) => ({ got: request.body ?? null }));
};

let s: RunningServer;
let port: number;
let auth: Record<string, string>;
before(async () => {
  s = await startServer(config({ rateLimit: { max: 10_000, windowMs: 60_000 } }), { routes: [...routes, echoRoute], runtimeFile: false });
  port = s.ctx.bind?.port ?? 0;
  auth = { authorization: `Bearer ${s.ctx.token}` };
});
after(async () => { await s.close(); });

function assertError(r: Res, status: number, code: string): void {
  assert.equal(r.status, status, r.body);
  const body = r.json() as { error: { code: string; message: string } };
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, 'string');
  assert.ok(body.error.message.length > 0);
}

function assertSecurityHeaders(r: Res, label: string): void {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) assert.equal(r.headers[k], v, `${label}: ${k}`);
}

test('GET /api/health answers without a token, and says isolation is unverified', async () => {
  const r = await req(port, '/api/health');
  assert.equal(r.status, 200);
  const h = r.json() as { status: string; version: string; offline: boolean; isolation: { verified: boolean; level: string; blockedAttempts: number; strictness: string } };
  assert.equal(h.status, 'ok');
  assert.equal(h.offline, true);
  assert.match(h.version, /^\d+\.\d+\.\d+/);
  assert.equal(h.isolation.verified, false);
  assert.equal(h.isolation.level, 'unverified');
  assert.equal(h.isolation.strictness, 'standard');
  assert.equal(h.isolation.blockedAttempts, 0);
});

test('token: missing → 401, wrong bearer → 401, wrong cookie → 401; right bearer or cookie → 200', async () => {
  assertError(await req(port, '/api/security/events'), 401, 'TOKEN_REQUIRED');
  assertError(await req(port, '/api/security/events', { headers: { authorization: `Bearer ${'0'.repeat(64)}` } }), 401, 'TOKEN_INVALID');
  assertError(await req(port, '/api/security/events', { headers: { authorization: 'Basic abc' } }), 401, 'TOKEN_INVALID');
  assertError(await req(port, '/api/system/info', { headers: { cookie: `hermetic_token_${port}=nope` } }), 401, 'TOKEN_INVALID');
  // A cookie for another port's server is not ours.
  assertError(await req(port, '/api/system/info', { headers: { cookie: `hermetic_token_1=${s.ctx.token}` } }), 401, 'TOKEN_REQUIRED');
  // Unknown API paths need the token too (no probing for routes).
  assertError(await req(port, '/api/nope'), 401, 'TOKEN_REQUIRED');
  assert.equal((await req(port, '/api/security/events', { headers: auth })).status, 200);
  assert.equal((await req(port, '/api/system/info', { headers: { cookie: `hermetic_token_${port}=${s.ctx.token}` } })).status, 200);
});

test('opening the UI with ?token= sets an HttpOnly SameSite=Strict cookie and drops the token from the URL', async () => {
  const r = await req(port, `/?token=${s.ctx.token}&x=1`);
  assert.equal(r.status, 303);
  assert.equal(r.headers.location, '/?x=1');
  const cookie = String(r.headers['set-cookie']);
  assert.match(cookie, new RegExp(`^hermetic_token_${port}=${s.ctx.token};`));
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  assert.match(cookie, /Path=\//);
  const wrong = await req(port, '/?token=wrong');
  assert.equal(wrong.status, 303);
  assert.equal(wrong.headers.location, '/');
  assert.equal(wrong.headers['set-cookie'], undefined, 'a wrong token sets no cookie');
});

test('DNS rebinding: a foreign Host gets 421; our loopback spellings are answered', async () => {
  for (const host of [`attacker.example:${port}`, `127.0.0.1:${port + 1}`, '127.0.0.1', `localhost.attacker.test:${port}`, `127.0.0.2:${port}`]) {
    assertError(await req(port, '/api/health', { headers: { host } }), 421, 'HOST_NOT_ALLOWED');
  }
  assert.equal(await rawStatus(port, 'GET /api/health HTTP/1.0\r\n\r\n'), 421, 'no Host header at all');
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
    assert.equal((await req(port, '/api/health', { headers: { host } })).status, 200, host);
  }
});

test('cross-origin state-changing requests get 403, even with the right token', async () => {
  const post = (headers: Record<string, string>) =>
    req(port, '/api/test/echo', { method: 'POST', headers: { ...auth, 'content-type': 'application/json', ...headers }, body: '{"a":1}' });
  assertError(await post({ origin: 'http://attacker.example' }), 403, 'ORIGIN_NOT_ALLOWED');
  assertError(await post({ origin: `http://localhost:${port + 1}` }), 403, 'ORIGIN_NOT_ALLOWED');
  assertError(await post({ origin: 'null' }), 403, 'ORIGIN_NOT_ALLOWED');
  assertError(await post({ 'sec-fetch-site': 'cross-site' }), 403, 'ORIGIN_NOT_ALLOWED');
  // Positive controls: our own origins, and no Origin at all (CLI), go through.
  for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`]) {
    const ok = await post({ origin });
    assert.equal(ok.status, 200, origin);
    assert.deepEqual(ok.json(), { got: { a: 1 } });
  }
  assert.equal((await post({})).status, 200);
});

test('CORS: preflight only for our own origins; foreign origins get no CORS headers', async () => {
  const foreign = await req(port, '/api/test/echo', { method: 'OPTIONS', headers: { origin: 'http://attacker.example', 'access-control-request-method': 'POST' } });
  assertError(foreign, 403, 'ORIGIN_NOT_ALLOWED');
  assert.equal(foreign.headers['access-control-allow-origin'], undefined);
  const own = await req(port, '/api/test/echo', { method: 'OPTIONS', headers: { origin: `http://localhost:${port}`, 'access-control-request-method': 'POST' } });
  assert.equal(own.status, 204);
  assert.equal(own.headers['access-control-allow-origin'], `http://localhost:${port}`);
  // A foreign page's GET is refused outright (issue 13 item 7: before it spends the rate-limit budget).
  const get = await req(port, '/api/health', { headers: { origin: 'http://attacker.example' } });
  assertError(get, 403, 'ORIGIN_NOT_ALLOWED');
  assert.equal(get.headers['access-control-allow-origin'], undefined, 'a foreign page cannot read the answer');
});

test('security headers on every response: 200, 303, 400, 401, 403, 404, 421 and the UI', async () => {
  assert.match(CONTENT_SECURITY_POLICY, /default-src 'self'; connect-src 'self'; img-src 'self' data: blob:; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'/);
  const cases: [string, Promise<Res>, number][] = [
    ['health', req(port, '/api/health'), 200],
    ['redirect', req(port, '/?token=x'), 303],
    ['bad json', req(port, '/api/test/echo', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{nope' }), 400],
    ['bad query', req(port, '/api/security/events?limit=abc', { headers: auth }), 400],
    ['401', req(port, '/api/security/events'), 401],
    ['403', req(port, '/api/test/echo', { method: 'POST', headers: { ...auth, origin: 'http://x.test' } }), 403],
    ['404', req(port, '/no/such/file.txt'), 404],
    ['421', req(port, '/api/health', { headers: { host: 'evil.test' } }), 421],
    ['ui', req(port, '/'), 200],
    ['ui script', req(port, '/app.js'), 200],
  ];
  for (const [label, p, status] of cases) {
    const r = await p;
    assert.equal(r.status, status, `${label}: ${r.body.slice(0, 200)}`);
    assertSecurityHeaders(r, label);
    if (status >= 400) {
      assert.match(String(r.headers['content-type']), /^application\/json/, label);
      assert.ok((r.json() as { error: { code: string } }).error.code, label);
    }
  }
  const badJson = await req(port, '/api/test/echo', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{nope' });
  assertError(badJson, 400, 'INVALID_JSON');
});

test('the UI page loads nothing from elsewhere and has no inline script or style', async () => {
  const html = (await req(port, '/')).body;
  assert.match(html, /<script type="module" src="\/app\.js"><\/script>/);
  assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//i, 'no external URLs');
  assert.doesNotMatch(html, /<script>(?!<)/, 'no inline script');
  assert.doesNotMatch(html, /<style|style="/i, 'no inline style');
  const js = (await req(port, '/app.js')).body;
  assert.doesNotMatch(js, /RTCPeerConnection|RTCDataChannel|getUserMedia|https?:\/\/(?!127\.0\.0\.1)/);
  const css = await req(port, '/style.css');
  assert.equal(css.status, 200);
  assert.match(String(css.headers['content-type']), /^text\/css/);
  assert.doesNotMatch(css.body, /url\(|@import|@font-face/, 'no fonts or images fetched by the stylesheet');
});

test('GET /api/security/events: filters, paging, and validation errors', async () => {
  for (let i = 0; i < 3; i++) s.ctx.store.record({ type: 'network_attempt', severity: 'warning', details: { port: 5000 + i } });
  s.ctx.store.record({ type: 'process_terminated', severity: 'critical', details: { pid: 1 } });
  const page = (await req(port, '/api/security/events?type=network_attempt&limit=2&offset=1&order=asc', { headers: auth })).json() as { events: { details: { port: number } }[]; total: number; limit: number; offset: number };
  assert.equal(page.total, 3);
  assert.deepEqual(page.events.map((e) => e.details.port), [5001, 5002]);
  const crit = (await req(port, '/api/security/events?severity=critical', { headers: auth })).json() as { total: number };
  assert.equal(crit.total, 1);
  const both = (await req(port, '/api/security/events?type=network_attempt,process_terminated', { headers: auth })).json() as { total: number };
  assert.equal(both.total, 4);
  assertError(await req(port, '/api/security/events?type=bogus', { headers: auth }), 400, 'VALIDATION_FAILED');
  assertError(await req(port, '/api/security/events?limit=5000', { headers: auth }), 400, 'VALIDATION_FAILED');
  assertError(await req(port, '/api/security/events?since=someday', { headers: auth }), 400, 'INVALID_QUERY');
  assertError(await req(port, '/api/security/events?unknown=1', { headers: auth }), 400, 'VALIDATION_FAILED');
  const health = (await req(port, '/api/health')).json() as { isolation: { blockedAttempts: number; lastAttempt: { type: string } | null } };
  assert.equal(health.isolation.blockedAttempts, 3);
  assert.equal(health.isolation.lastAttempt?.type, 'network_attempt');
});

test('GET /api/system/info and /api/security/network-status (token required)', async () => {
  const info = (await req(port, '/api/system/info', { headers: auth })).json() as { node: string; dataDir: string; networkMonitoring: { available: boolean } };
  assert.equal(info.node, process.version);
  assert.equal(info.dataDir, s.ctx.config.dataDir);
  assert.equal(info.networkMonitoring.available, false);
  const ns = (await req(port, '/api/security/network-status', { headers: auth })).json() as { isolation: { verified: boolean }; report: unknown; events: { blockedAttempts: number } };
  assert.equal(ns.isolation.verified, false);
  assert.equal(ns.report, null);
  assert.equal(typeof ns.events.blockedAttempts, 'number');
  assertError(await req(port, '/api/security/network-status'), 401, 'TOKEN_REQUIRED');
});

test('rate limit: 100 requests per minute pass, the 101st gets 429 with Retry-After (and the headers)', async () => {
  const limited = await startServer(config(), { runtimeFile: false });
  try {
    const p = limited.ctx.bind?.port ?? 0;
    const statuses: number[] = [];
    for (let i = 0; i < 100; i++) statuses.push((await req(p, '/api/health')).status);
    assert.deepEqual([...new Set(statuses)], [200], 'the first 100 are answered');
    const r = await req(p, '/api/health');
    assertError(r, 429, 'RATE_LIMITED');
    assert.match(String(r.headers['retry-after']), /^\d+$/);
    assert.ok(Number(r.headers['retry-after']) > 0 && Number(r.headers['retry-after']) <= 60);
    assertSecurityHeaders(r, '429');
    // It covers unauthenticated guessing and unknown paths too.
    assertError(await req(p, '/api/security/events', { headers: { authorization: 'Bearer guess' } }), 429, 'RATE_LIMITED');
    assertError(await req(p, '/nothing-here'), 429, 'RATE_LIMITED');
  } finally {
    await limited.close();
  }
});

test('a non-loopback bind is refused at start (nothing written); loopback starts', async () => {
  for (const host of ['0.0.0.0', '::', '192.0.2.10', 'example.invalid']) {
    const c = config({ host });
    await assert.rejects(startServer(c, { runtimeFile: true }), (e: unknown) => e instanceof StartError && e.code === 'NON_LOOPBACK_REFUSED' && e.exitCode === 2 && /--allow-non-loopback/.test(e.message));
    assert.equal(existsSync(join(c.dataDir, 'hermetic.db')), false, `${host}: refused before opening anything`);
    assert.equal(existsSync(join(c.dataDir, 'server.json')), false);
  }
  for (const host of ['127.0.0.1', 'localhost', '::1']) {
    const ok = await startServer(config({ host }), { runtimeFile: false });
    assert.equal(ok.ctx.bind?.nonLoopback, false);
    assert.ok(['127.0.0.1', '::1'].includes(ok.ctx.bind?.host ?? ''), host);
    await ok.close();
  }
});

test('--allow-non-loopback: serves, records a critical event, and health says so', async (t) => {
  if (!inOfflineNetns) return t.skip('binds 0.0.0.0: only inside the offline test namespace (npm test), never on the host network');
  const srv = await startServer(config({ host: '0.0.0.0', allowNonLoopback: true }), { runtimeFile: false });
  try {
    const p = srv.ctx.bind?.port ?? 0;
    assert.equal(srv.ctx.bind?.nonLoopback, true);
    const ev = srv.ctx.store.query({ type: 'non_loopback_bind' }).events;
    assert.equal(ev.length, 1);
    assert.equal(ev[0]?.severity, 'critical');
    const h = (await req(p, '/api/health')).json() as { exposure: string };
    assert.equal(h.exposure, 'non-loopback');
    // Rebinding protection still holds for names.
    assertError(await req(p, '/api/health', { headers: { host: `attacker.example:${p}` } }), 421, 'HOST_NOT_ALLOWED');
  } finally {
    await srv.close();
  }
});

test('malformed requests (bad URL encoding, broken HTTP) still get JSON errors with the security headers', async () => {
  const badUrl = await req(port, '/api/health%E0%A4%A');
  assert.equal(badUrl.status, 400, badUrl.body);
  assertSecurityHeaders(badUrl, 'bad url');
  assert.ok((badUrl.json() as { error: { code: string } }).error.code);
  const broken = await raw(port, 'GARBAGE\r\n\r\n');
  assert.equal(broken.status, 400);
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) assert.equal(broken.headers[k], v, `broken: ${k}`);
  assert.deepEqual(JSON.parse(broken.body), { error: { code: 'BAD_REQUEST', message: 'malformed HTTP request' } });
  // The server is still up.
  assert.equal((await req(port, '/api/health')).status, 200);
});
