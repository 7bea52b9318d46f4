// Issue 13 item 7: any web page can make the user's browser send requests to 127.0.0.1 (image
// tags, forms, fetch in no-cors mode). They carry `Origin: http://evil.example` or
// `Sec-Fetch-Site: cross-site`. They must be refused BEFORE they count against the rate-limit
// budget, so a page cannot lock the owner out (429 for the UI, `hermetic status` failing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/index.js';
import { startServer } from '../../src/server/index.js';
import { collectStatus } from '../../src/cli/status.js';
import { privateTmp, rawRequest, removeTree } from './harness.js';

const MAX = 5;

test('cross-site requests are refused before the rate limit; the owner keeps the whole budget', async () => {
  const dataDir = privateTmp();
  const s = await startServer(loadConfig({ env: {}, flags: { dataDir, port: 0, logLevel: 'silent', rateLimit: { max: MAX, windowMs: 60_000 } } }));
  try {
    const port = s.ctx.bind?.port ?? 0;
    const token = s.ctx.token;
    const evil = { origin: 'http://evil.example' };
    const img = { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' };
    const attacks: [string, string, Record<string, string>][] = [
      ['GET', '/api/jobs', evil],
      ['GET', '/api/health', evil],
      ['GET', '/', evil],
      ['GET', '/api/security/events', img],
      ['GET', '/api/health', img],
      ['GET', '/app.js', { 'sec-fetch-site': 'cross-site' }],
      ['GET', '/api/health', { 'sec-fetch-site': 'same-site' }], // another port on this host is "same-site"
      ['GET', '/api/health', { origin: 'null' }], // sandboxed iframes, file:// pages
      ['GET', '/api/health', { origin: `http://127.0.0.1:${port + 1 === 65536 ? 1 : port + 1}` }], // another local server's page
      ['POST', '/api/convert', { ...evil, 'content-type': 'text/plain' }],
      ['POST', '/api/security/verify', { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' }],
      ['GET', `/?token=${'0'.repeat(64)}`, img],
    ];
    // Ten times the budget, from "another site".
    for (let round = 0; round < 5; round++) {
      for (const [method, path, headers] of attacks) {
        const a = await rawRequest(port, method, path, headers);
        assert.equal(a.status, 403, `${method} ${path} ${JSON.stringify(headers)}: ${a.status} ${a.body.slice(0, 160)}`);
        assert.equal(JSON.parse(a.body).error.code, 'ORIGIN_NOT_ALLOWED');
        assert.equal(a.headers['access-control-allow-origin'], undefined);
      }
    }
    // The owner's budget is untouched: status works, and an anonymous request from a plain client is answered.
    const st = await collectStatus(dataDir, 5000);
    assert.equal(st.healthy, true, `hermetic status after the flood: ${JSON.stringify(st)}`);
    assert.equal((await rawRequest(port, 'GET', '/api/health')).status, 200);
    // A link from another site may still OPEN the UI (a top-level navigation carries no cookie
    // and no secret); it is the only cross-site request let through.
    const nav = await rawRequest(port, 'GET', '/', { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document', 'sec-fetch-user': '?1' });
    assert.equal(nav.status, 200);
    // Positive control: the limit IS in force and small — plain anonymous requests hit 429 within the budget …
    let first429 = -1;
    for (let i = 0; i < MAX + 2 && first429 < 0; i++) if ((await rawRequest(port, 'GET', '/api/health')).status === 429) first429 = i;
    assert.ok(first429 >= 0, `no 429 within ${MAX + 2} plain requests: the rate limit is not in force`);
    // … and even then the owner (with the token) is not locked out: the owner has a budget of its own.
    const owner = await rawRequest(port, 'GET', '/api/security/events', { authorization: `Bearer ${token}` });
    assert.equal(owner.status, 200, owner.body.slice(0, 200));
    const cookieOwner = await rawRequest(port, 'GET', '/api/health', { cookie: `hermetic_token_${port}=${token}` });
    assert.equal(cookieOwner.status, 200);
    // A wrong token is a guess: it shares the anonymous budget (guessing stays rate-limited).
    assert.equal((await rawRequest(port, 'GET', '/api/security/events', { authorization: `Bearer ${'f'.repeat(64)}` })).status, 429);
  } finally {
    await s.close();
    removeTree(dataDir);
  }
});
