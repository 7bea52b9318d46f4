// Issue 13 item 9: opening the UI with ?token= sets the cookie and redirects to drop the token —
// that redirect must never leave our origin (`//evil.example/?token=x` once answered
// `Location: //evil.example/`), and the token must leave the URL whatever the query holds
// (`/?token=T&token=T` once kept it). Raw sockets: the targets go out exactly as written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/index.js';
import { startServer } from '../../src/server/index.js';
import { privateTmp, rawRequest, removeTree } from './harness.js';

test('the ?token= redirect stays on our origin and always removes every token parameter', async () => {
  const dataDir = privateTmp();
  const s = await startServer(loadConfig({ env: {}, flags: { dataDir, port: 0, logLevel: 'silent', rateLimit: { max: 100_000, windowMs: 60_000 } } }), { runtimeFile: false });
  try {
    const port = s.ctx.bind?.port ?? 0;
    const T = s.ctx.token;
    const origin = `http://127.0.0.1:${port}`;
    const failures: string[] = [];

    // 1. Hostile paths: either refused (400) or redirected to a place on this origin.
    for (const target of [
      '//evil.example/?token=x', '///evil.example/?token=x', `//evil.example/?token=${T}`, '/%2fevil.example/?token=x',
      '/%2f%2fevil.example/?token=x', '/%5cevil.example/?token=x', '/%5c%5cevil.example/?token=x', '/.//evil.example/?token=x',
      '/%09/evil.example/?token=x', '/%2e%2e//evil.example/?token=x', '/x/..//evil.example/?token=x', '/\\evil.example/?token=x',
    ]) {
      const a = await rawRequest(port, 'GET', target);
      const loc = a.headers.location;
      if (loc !== undefined) {
        const to = new URL(loc, `${origin}/`);
        if (to.origin !== origin) failures.push(`${target} → ${a.status} Location: ${loc} (leaves ${origin})`);
        if (loc.includes('token')) failures.push(`${target} → Location keeps the token: ${loc}`);
      } else if (a.status !== 400) {
        failures.push(`${target} → ${a.status} without a redirect: ${a.body.slice(0, 120)}`);
      }
    }
    assert.deepEqual(failures, [], failures.join('\n'));

    // 2. The token leaves the URL whatever the query holds; the cookie only for an unambiguous right token.
    const cases: [string, string, boolean][] = [
      [`/?token=${T}`, '/', true],
      [`/?token=${T}&token=${T}`, '/', true],
      [`/?token=${T}&token=wrong`, '/', false],
      [`/?token=wrong&token=${T}`, '/', false],
      [`/?a=1&token=${T}&b=2&token=${T}`, '/?a=1&b=2', true],
      [`/?%74oken=${T}`, '/', true],
      [`/?token=`, '/', false],
      [`/index.html?token=${T}`, '/index.html', true],
      [`/%69ndex.html?token=${T}`, '/%69ndex.html', true],
    ];
    for (const [target, location, cookie] of cases) {
      const a = await rawRequest(port, 'GET', target);
      assert.equal(a.status, 303, `${target}: ${a.status} ${a.body.slice(0, 120)}`);
      assert.equal(a.headers.location, location, target);
      assert.equal(a.headers['set-cookie'] !== undefined, cookie, `${target}: cookie ${cookie ? 'expected' : 'not expected'}`);
      if (cookie) assert.match(a.headers['set-cookie'] ?? '', new RegExp(`^hermetic_token_${port}=${T}; Path=/; HttpOnly; SameSite=Strict$`));
    }
    // Positive control: the page itself, without a token in the URL, is served as is.
    assert.equal((await rawRequest(port, 'GET', '/')).status, 200);
  } finally {
    await s.close();
    removeTree(dataDir);
  }
});
