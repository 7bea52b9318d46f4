// Issue 13.13: `hermetic convert` printed raw ESC sequences from file names (a file name could
// retitle the terminal, move the cursor, fake or hide lines); an oversize octet-stream said
// PAYLOAD_TOO_LARGE where the docs say INPUT_TOO_LARGE; @fastify/multipart's FST_FIELDS_LIMIT
// leaked out as an error code; the 400 for a badly encoded URL had no Cache-Control. Every
// error response carries Cache-Control: no-store.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath, testNode } from '../helpers/paths.js';
import { raw } from '../unit/server-client.js';
import { startConvertServer, type TestServer } from './convert-server.js';

const ESC = '\x1b';

let srv: TestServer;
let dir: string;
before(async () => { srv = await startConvertServer({ uploadLimitBytes: 64 * 1024 }); dir = mkdtempSync(join(tmpdir(), 'hermetic-terminal-')); });
after(async () => { await srv.stop(); rmSync(dir, { recursive: true, force: true }); });

test('hermetic convert shows control characters of file names and messages, never sends them to the terminal', () => {
  // A title change + a line wipe + a bidi override, in names of a good and a bad input.
  const good = join(dir, `ok${ESC}]0;pwned\x07${ESC}[2K\u202e.csv`);
  const bad = join(dir, `bad${ESC}[31m.json`);
  writeFileSync(good, 'a,b\n1,2\n');
  writeFileSync(bad, `{"x": "${ESC}[2J`);
  const r = spawnSync(testNode, [cliPath, 'convert', good, bad, '--to', 'yaml', '--out-dir', join(dir, 'out'), '--data-dir', join(dir, 'data'), '-v'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 1, r.stderr);
  const all = r.stdout + r.stderr;
  assert.ok(!all.includes(ESC), `no raw ESC in the output: ${JSON.stringify(all)}`);
  assert.ok(!all.includes('\u202e') && !all.includes('\x07'), 'no bidi override, no BEL');
  assert.match(r.stderr, /bad\\x1b\[31m\.json: INVALID_INPUT/, 'the failing file is still named, its control characters shown');
  assert.deepEqual(readdirSync(join(dir, 'out')), ['ok_]0;pwned__[2K_.yaml'], 'the result name was cleaned as before');
});

test('an octet-stream over the limit is INPUT_TOO_LARGE (413), declared or not', async () => {
  const big = Buffer.alloc(200 * 1024, 0x61);
  const declared = await fetch(`${srv.base}/api/convert?to=json&from=csv`, { method: 'POST', headers: { ...srv.auth, 'content-type': 'application/octet-stream' }, body: big });
  assert.equal(declared.status, 413);
  assert.equal(((await declared.json()) as { error: { code: string } }).error.code, 'INPUT_TOO_LARGE');
  // Chunked (no Content-Length): caught while it streams in.
  const stream = new ReadableStream({ start(c) { for (let i = 0; i < 4; i++) c.enqueue(new Uint8Array(big.subarray(0, 50 * 1024))); c.close(); } });
  const chunked = await fetch(`${srv.base}/api/convert?to=json&from=csv`, { method: 'POST', headers: { ...srv.auth, 'content-type': 'application/octet-stream' }, body: stream, duplex: 'half' } as RequestInit);
  assert.equal(chunked.status, 413);
  assert.equal(((await chunked.json()) as { error: { code: string } }).error.code, 'INPUT_TOO_LARGE');
  assert.equal(chunked.headers.get('cache-control'), 'no-store');
  // Control: within the limit, the same request converts.
  const ok = await fetch(`${srv.base}/api/convert?to=json&from=csv`, { method: 'POST', headers: { ...srv.auth, 'content-type': 'application/octet-stream' }, body: 'a,b\n1,2\n' });
  assert.equal(ok.status, 200);
});

test('multipart limits answer with our stable codes, never a library\'s FST_*', async () => {
  const fields = new FormData();
  for (let i = 0; i < 20; i++) fields.append('to', 'json');
  fields.append('file', new Blob(['a\n1\n']), 'a.csv');
  const manyFields = await fetch(`${srv.base}/api/convert`, { method: 'POST', headers: srv.auth, body: fields });
  const body = (await manyFields.json()) as { error: { code: string } };
  assert.equal(manyFields.status, 413);
  assert.equal(body.error.code, 'TOO_MANY_FIELDS');
  const files = new FormData();
  files.append('to', 'json');
  for (let i = 0; i < 51; i++) files.append('file', new Blob(['a\n1\n']), `${i}.csv`);
  const manyFiles = await fetch(`${srv.base}/api/convert`, { method: 'POST', headers: srv.auth, body: files });
  assert.equal(manyFiles.status, 413);
  assert.equal(((await manyFiles.json()) as { error: { code: string } }).error.code, 'TOO_MANY_FILES');
  const bigFile = new FormData();
  bigFile.append('to', 'json');
  bigFile.append('file', new Blob([Buffer.alloc(100 * 1024, 0x61)]), 'big.csv');
  const tooBig = await fetch(`${srv.base}/api/convert`, { method: 'POST', headers: srv.auth, body: bigFile });
  assert.equal(tooBig.status, 413);
  assert.equal(((await tooBig.json()) as { error: { code: string } }).error.code, 'INPUT_TOO_LARGE');
  const broken = await fetch(`${srv.base}/api/convert`, { method: 'POST', headers: { ...srv.auth, 'content-type': 'multipart/form-data; boundary=xyz' }, body: '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nunterminated' });
  const code = ((await broken.json()) as { error: { code: string } }).error.code;
  assert.ok(!code.startsWith('FST_'), `a malformed body: ${code}`);
  for (const r of [manyFields, manyFiles, tooBig, broken]) assert.equal(r.headers.get('cache-control'), 'no-store');
});

test('every error response carries Cache-Control: no-store — a badly encoded URL included', async () => {
  const auth = `Authorization: ${srv.auth.authorization}\r\n`;
  const cases = [
    `GET /api/jobs/%E0%A4%A HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\n${auth}Connection: close\r\n\r\n`, // bad percent-encoding
    `GET /%zz HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nConnection: close\r\n\r\n`,
    `GET /api/jobs HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nConnection: close\r\n\r\n`, // 401
    `GET /nowhere HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nConnection: close\r\n\r\n`, // 404
    `GET /api/jobs/not-a-job HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\n${auth}Connection: close\r\n\r\n`, // 404 JOB_NOT_FOUND
  ];
  for (const c of cases) {
    const r = await raw(srv.port, c);
    assert.ok(r.status >= 400, `${c.split('\r\n')[0]} → ${r.status}`);
    assert.equal(r.headers['cache-control'], 'no-store', `${c.split('\r\n')[0]} → ${r.status} without no-store`);
  }
});
