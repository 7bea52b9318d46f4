// Issue 13 item 1 (critical): the token check must see the request exactly as the router does.
// Every route in Fastify's own route table (not a hand list) is requested over a raw socket —
// so no client decodes or normalises the target first — under every encoding trick we know:
// percent-encoded letters must still need the token (401), and targets that decode to
// something else (%2e, %2f, double encoding, NUL, dot segments, absolute-form, …) are refused
// (400) before any route sees them. Positive control: with the token, each 401-variant reaches
// the very handler the plain path reaches (same status and error code).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/index.js';
import { startServer, routeTable, type RunningServer } from '../../src/server/index.js';
import { privateTmp, rawRequest, removeTree, type RawAnswer } from './harness.js';

const JOB_ID = '00000000-0000-4000-8000-000000000000';

/** A concrete path for a route pattern (/api/jobs/:id → /api/jobs/<uuid>). */
function concrete(pattern: string): string {
  return pattern.replace(/:id\b/g, JOB_ID).replace(/:[A-Za-z]+/g, 'x').replace(/\*/g, 'x');
}

function hex(c: string, upper = false): string {
  const h = c.charCodeAt(0).toString(16).padStart(2, '0');
  return `%${upper ? h.toUpperCase() : h}`;
}
const segments = (p: string) => p.split('/');
/** Percent-encode the first letter of every segment: /%61pi/%6aobs */
const firstLetters = (p: string) => segments(p).map((s) => (/^[A-Za-z]/.test(s) ? hex(s[0] as string) + s.slice(1) : s)).join('/');
/** Percent-encode every character but the slashes. */
const everyChar = (p: string, upper = false) => segments(p).map((s) => [...s].map((c) => hex(c, upper)).join('')).join('/');
/** Replace the n-th slash (1-based) with `by`; a one-segment path (/app.js) gets a segment in front first. */
function slash(p: string, n: number, by: string): string {
  if ((p.match(/\//g) ?? []).length < n) p = `/x${p}`;
  let seen = 0;
  return p.replace(/\//g, (m) => (++seen === n ? by : m));
}

interface Variant {
  name: string;
  target: (p: string, port: number) => string;
  /** The query changes what a strict route schema accepts: reaching the handler is the control, not the same answer. */
  query?: boolean;
}

/** Decode to the same path: the router matches the route, so the token check must apply (401). */
const SAME_PATH: Variant[] = [
  { name: 'plain', target: (p) => p },
  { name: 'first letter of each segment %-encoded', target: firstLetters },
  { name: 'every character %-encoded (lower-case hex)', target: (p) => everyChar(p) },
  { name: 'every character %-encoded (upper-case hex)', target: (p) => everyChar(p, true) },
  { name: 'with a query string', target: (p) => `${p}?x=1`, query: true },
  { name: 'with a wrong token in the query', target: (p) => `${p}?token=${'0'.repeat(64)}`, query: true },
];

/** Decode to something else, or not an origin-form path at all: refused with 400 before routing. */
const REFUSED: Variant[] = [
  { name: 'absolute-form', target: (p, port) => `http://127.0.0.1:${port}${p}` },
  { name: 'absolute-form, %-encoded', target: (p, port) => `http://127.0.0.1:${port}${firstLetters(p)}` },
  { name: 'absolute-form, other host', target: (p) => `http://localhost${p}` },
  { name: '%2f for a slash', target: (p) => slash(p, 2, '%2f') },
  { name: '%2F for a slash', target: (p) => slash(p, 2, '%2F') },
  { name: '%5c (backslash) for a slash', target: (p) => slash(p, 2, '%5c') },
  { name: '%2e segment', target: (p) => slash(p, 2, '/%2e/') },
  { name: '%2e%2e segment', target: (p) => slash(p, 2, '/x/%2e%2e/') },
  { name: '.%2e segment', target: (p) => slash(p, 2, '/x/.%2e/') },
  { name: 'raw . segment', target: (p) => slash(p, 2, '/./') },
  { name: 'raw .. segment', target: (p) => slash(p, 2, '/x/../') },
  { name: 'double encoding (%2561)', target: (p) => p.replace(/^\/(.)/, (_m, c: string) => `/%25${c.charCodeAt(0).toString(16)}`) },
  { name: 'double-encoded slash (%252f)', target: (p) => slash(p, 2, '%252f') },
  { name: 'NUL at the end', target: (p) => `${p}%00` },
  { name: 'NUL inside', target: (p) => slash(p, 2, '%00/') },
  { name: 'empty segment (//)', target: (p) => slash(p, 2, '//') },
  { name: 'leading //', target: (p) => `/${p}` },
  { name: 'overlong UTF-8 slash (%c0%af)', target: (p) => slash(p, 2, '%c0%af') },
  { name: 'encoded ? (%3f)', target: (p) => `${p}%3f` },
  { name: 'encoded # (%23)', target: (p) => `${p}%23x` },
  { name: 'control character (%0a)', target: (p) => `${p}%0a` },
];

/**
 * The codes of a target refused before routing: ours, or Fastify's own for an escape that is not
 * even valid UTF-8 (the router rejects those before any hook runs).
 */
const REFUSED_CODES = new Set(['BAD_REQUEST_TARGET', 'BAD_URL']);

async function withServer(fn: (s: RunningServer) => Promise<void>): Promise<void> {
  const dataDir = privateTmp();
  const s = await startServer(loadConfig({ env: {}, flags: { dataDir, port: 0, logLevel: 'silent', rateLimit: { max: 1_000_000, windowMs: 60_000 } } }), { runtimeFile: false });
  try { await fn(s); } finally { await s.close(); removeTree(dataDir); }
}

const code = (a: RawAnswer): string | undefined => {
  try { return (JSON.parse(a.body) as { error?: { code?: string } }).error?.code; } catch { return undefined; }
};
const describe = (a: RawAnswer) => `${a.status} ${a.body.slice(0, 160)}`;

test('every registered route needs the token under every encoding; decoded-to-something-else targets are 400', async () => {
  await withServer(async (s) => {
    const port = s.ctx.bind?.port ?? 0;
    const auth = { authorization: `Bearer ${s.ctx.token}` };
    const routes = routeTable(s.app);
    assert.ok(routes.length >= 15, `the route table is read from Fastify (${routes.length} routes)`);
    const isPublic = (r: { method: string; url: string }) => r.url === '/api/health' || !r.url.startsWith('/api/');
    const protectedRoutes = routes.filter((r) => !isPublic(r));
    assert.ok(protectedRoutes.some((r) => r.url === '/api/jobs/:id/result'), 'the result download is in the table');
    assert.ok(protectedRoutes.some((r) => r.url === '/api/security/events/stream'), 'the SSE stream is in the table');

    const failures: string[] = [];
    for (const r of protectedRoutes) {
      const path = concrete(r.url);
      const baseline = await rawRequest(port, r.method, path, auth);
      if (baseline.status === 401 || baseline.status === 400) failures.push(`${r.method} ${path} with the token: ${describe(baseline)}`);
      for (const v of SAME_PATH) {
        const target = v.target(path, port);
        const anon = await rawRequest(port, r.method, target);
        if (anon.status !== 401 || (r.method !== 'HEAD' && code(anon) !== 'TOKEN_REQUIRED')) failures.push(`${r.method} ${target} (${v.name}) without a token: ${describe(anon)}`);
        // Positive control: with the token the variant reaches the same handler as the plain path.
        const owner = await rawRequest(port, r.method, target, auth);
        const reached = v.query ? owner.status !== 401 && !REFUSED_CODES.has(code(owner) ?? '') : owner.status === baseline.status && code(owner) === code(baseline);
        if (!reached) failures.push(`${r.method} ${target} (${v.name}) with the token: ${describe(owner)}, plain path gave ${describe(baseline)}`);
      }
      for (const v of REFUSED) {
        const target = v.target(path, port);
        for (const headers of [{}, auth]) {
          const a = await rawRequest(port, r.method, target, headers);
          if (a.status !== 400 || (r.method !== 'HEAD' && !REFUSED_CODES.has(code(a) ?? ''))) failures.push(`${r.method} ${target} (${v.name})${'authorization' in headers ? ' with the token' : ''}: ${describe(a)}`);
        }
      }
    }
    assert.deepEqual(failures, [], `${failures.length} bypasses or inconsistencies:\n${failures.slice(0, 60).join('\n')}`);
  });
});

test('public routes stay public only under their own name; unknown /api paths need the token too', async () => {
  await withServer(async (s) => {
    const port = s.ctx.bind?.port ?? 0;
    const routes = routeTable(s.app);
    const failures: string[] = [];
    // What is reachable without a token is exactly health + the UI files, by the route table.
    for (const r of routes) {
      const a = await rawRequest(port, r.method, concrete(r.url));
      const expectPublic = r.url === '/api/health' || !r.url.startsWith('/api/');
      if (expectPublic !== (a.status !== 401)) failures.push(`${r.method} ${r.url}: ${describe(a)} (expected ${expectPublic ? 'public' : '401'})`);
      if (expectPublic) {
        for (const v of REFUSED) {
          const t = v.target(concrete(r.url) === '/' ? '/index.html' : concrete(r.url), port);
          const b = await rawRequest(port, r.method, t);
          if (b.status !== 400) failures.push(`${r.method} ${t} (${v.name}): ${describe(b)}`);
        }
      }
    }
    for (const target of ['/api/nothing', '/%61pi/nothing', '/%61pi/health/x', '/API/jobs', '/Api/security/events']) {
      const a = await rawRequest(port, 'GET', target);
      if (a.status !== 401) failures.push(`GET ${target}: ${describe(a)}`);
    }
    // Request targets that are not a path at all.
    for (const [method, target] of [['GET', '*'], ['OPTIONS', '*'], ['GET', '127.0.0.1:1'], ['GET', 'api/jobs']] as const) {
      const a = await rawRequest(port, method, target);
      if (a.status !== 400) failures.push(`${method} ${target}: ${describe(a)}`);
    }
    assert.deepEqual(failures, [], failures.join('\n'));
    // Positive control: health answers by its plain name and by an encoded spelling of it.
    assert.equal((await rawRequest(port, 'GET', '/api/health')).status, 200);
    assert.equal((await rawRequest(port, 'GET', '/%61pi/health')).status, 200);
  });
});
