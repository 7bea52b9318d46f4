// Issue 13.6: a file name of 252 characters + an emoji made the download answer 500 (the name
// was cut inside the emoji, and percent-encoding a lone surrogate throws URIError), and every
// GET /api/jobs/:id/result of such a job leaked a file descriptor (the file was opened before
// the header that threw). The name is now cut on whole characters, the header is built by
// jshttp/content-disposition, and no file is opened before every header is set.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { parse } from 'content-disposition';
import { startConvertServer, type TestServer } from './convert-server.js';

let srv: TestServer;
before(async () => { srv = await startConvertServer(); });
after(async () => { await srv.stop(); });

const longName = `${'a'.repeat(252)}\u{1F600}.csv`; // 252 + 4 bytes of emoji + .csv: over the 255-byte cap inside the emoji

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

/** The name a client reads back from Content-Disposition (RFC 6266: filename* when present, else filename). */
function dispositionName(h: string): string {
  return parse(h).parameters['filename'] ?? '';
}

test('synchronous download of a long name cut inside an emoji: 200, a well-formed header, whole characters only', async () => {
  const fd = new FormData();
  fd.append('to', 'json');
  fd.append('from', 'csv'); // the cut name lost its extension with the emoji
  fd.append('file', new Blob(['a,b\n1,2\n']), longName);
  const res = await fetch(`${srv.base}/api/convert`, { method: 'POST', headers: srv.auth, body: fd });
  assert.equal(res.status, 200, await res.clone().text());
  const name = dispositionName(res.headers.get('content-disposition') ?? '');
  assert.equal(name, `${'a'.repeat(252)}.json`, 'the name lost the whole emoji (and the extension after it), nothing more');
  assert.ok(!/[\uD800-\uDFFF]/.test(name), 'no lone surrogate');
  assert.deepEqual(await res.json(), [{ a: '1', b: '2' }]);
});

test('async: GET /result for such a job answers 200 and leaks no descriptor, request after request', { skip: process.platform !== 'linux' ? 'counts /proc/self/fd' : false }, async () => {
  const convertOne = async (): Promise<string> => {
    const fd = new FormData();
    fd.append('to', 'json');
    fd.append('from', 'csv');
    fd.append('file', new Blob(['a,b\n1,2\n']), longName.replace('.csv', '\u{1F600}\u{1F600}.csv'));
    const res = await fetch(`${srv.base}/api/convert?respond=json`, { method: 'POST', headers: srv.auth, body: fd });
    assert.equal(res.status, 200, await res.clone().text());
    return ((await res.json()) as { job: { id: string } }).job.id;
  };
  // Warm up (first requests open sockets, the store…), then count.
  for (let i = 0; i < 2; i++) await (await fetch(`${srv.base}/api/jobs/${await convertOne()}/result`, { headers: srv.auth })).arrayBuffer();
  const ids: string[] = [];
  for (let i = 0; i < 8; i++) ids.push(await convertOne());
  const before = openFds();
  for (const id of ids) {
    const res = await fetch(`${srv.base}/api/jobs/${id}/result`, { headers: srv.auth });
    assert.equal(res.status, 200, await res.clone().text());
    assert.ok(dispositionName(res.headers.get('content-disposition') ?? '').endsWith('.json'));
    await res.arrayBuffer();
  }
  await new Promise((r) => setTimeout(r, 300));
  const leaked = openFds() - before;
  assert.ok(leaked < 4, `descriptors after 8 downloads: ${leaked} more than before (a leak would be 8)`);
});
