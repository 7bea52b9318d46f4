// Issue 13 item 12: hostile files. A 598 KB PDF whose Flate stream inflates to 600 MB crashed the
// worker (500 WORKER_CRASHED, abort); HTML nested 10⁵ deep and an XLSX with 6 M cells pinned a
// worker for the whole job timeout. Each is now bounded up front (src/convert/guards) and
// answered with a clean 422 TOO_COMPLEX, while ordinary files of the same kinds convert.
// The files are generated here; the conversions run in the real server's jailed workers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rawRequest, serve, sleep, type Served } from './harness.js';
import { deepHtml, pdfContentBomb, pdfObjectStreamBomb, pdfSmall, pdfSpaceBomb, xlsxCells } from './hostile-files.js';

const MB = 1024 * 1024;

interface Outcome { status: number; code: string | null; body: string; ms: number }

/** Convert and wait for the end (a job still running after the synchronous wait is polled). */
async function convert(s: Served, data: Buffer, name: string, to: string, query = ''): Promise<Outcome> {
  const t0 = Date.now();
  const auth = { authorization: `Bearer ${s.token}` };
  const r = await rawRequest(s.port, 'POST', `/api/convert?to=${to}&name=${name}${query}`, { ...auth, 'content-type': 'application/octet-stream' }, data, 120_000);
  if (r.status !== 202) {
    let code: string | null = null;
    try { code = (JSON.parse(r.body) as { error?: { code?: string } }).error?.code ?? null; } catch {}
    return { status: r.status, code, body: r.body, ms: Date.now() - t0 };
  }
  const id = (JSON.parse(r.body) as { jobId: string }).jobId;
  for (;;) {
    await sleep(1000);
    const j = JSON.parse((await rawRequest(s.port, 'GET', `/api/jobs/${id}`, auth)).body) as { job: { status: string; error: { code: string } | null } };
    if (j.job.status !== 'queued' && j.job.status !== 'running') return { status: j.job.error ? 422 : 200, code: j.job.error?.code ?? null, body: JSON.stringify(j.job), ms: Date.now() - t0 };
  }
}

test('hostile PDFs, HTML and XLSX end in a clean TOO_COMPLEX; ordinary ones convert', { timeout: 900_000 }, async () => {
  const s = await serve({ config: { poolSize: 1, jobTimeoutMs: 120_000, rateLimit: { max: 100_000 } }, timeoutMs: 60_000 });
  try {
    const cases: { what: string; data: () => Promise<Buffer> | Buffer; name: string; to: string; query?: string; expect: 'TOO_COMPLEX' | 'ok'; contains?: string }[] = [
      { what: 'PDF, a content stream of 600 MB of spaces (598 KB file) → text', data: () => pdfSpaceBomb(600 * MB), name: 'bomb.pdf', to: 'txt', expect: 'TOO_COMPLEX' },
      { what: 'PDF, the same behind ASCII85 → text', data: () => pdfSpaceBomb(600 * MB, true), name: 'bomb85.pdf', to: 'txt', expect: 'TOO_COMPLEX' },
      { what: 'PDF, 600 MB of drawing operators → text', data: () => pdfContentBomb(600 * MB), name: 'ops.pdf', to: 'txt', expect: 'TOO_COMPLEX' },
      { what: 'PDF, an object stream of 600 MB → PDF (page selection)', data: () => pdfObjectStreamBomb(600 * MB), name: 'objstm.pdf', to: 'pdf', query: '&options=%7B%22pages%22%3A%221%22%7D', expect: 'TOO_COMPLEX' },
      { what: 'PDF, ordinary', data: () => pdfSmall('hello hostile world'), name: 'ok.pdf', to: 'txt', expect: 'ok', contains: 'hello hostile world' },
      { what: 'PDF, a 20 MB content stream (large, under the limit)', data: () => pdfSpaceBomb(20 * MB), name: 'large.pdf', to: 'txt', expect: 'ok' },
      { what: 'PDF, a 100 MB image-sized stream → PDF (pdf-lib copies it, never inflates it)', data: () => pdfSpaceBomb(100 * MB), name: 'copy.pdf', to: 'pdf', expect: 'ok' },
      { what: 'HTML nested 100,000 deep → Markdown', data: () => deepHtml(100_000), name: 'deep.html', to: 'md', expect: 'TOO_COMPLEX' },
      { what: 'HTML nested 100,000 deep → text', data: () => deepHtml(100_000, 'span'), name: 'deep2.html', to: 'txt', expect: 'TOO_COMPLEX' },
      { what: 'HTML nested 200 deep', data: () => deepHtml(200), name: 'ok.html', to: 'md', expect: 'ok', contains: 'deep' },
      { what: 'HTML with 20,000 unclosed <p> and <li> (sloppy, shallow)', data: () => Buffer.from(`<ul>${'<li><p>item'.repeat(20_000)}</ul>`), name: 'sloppy.html', to: 'txt', expect: 'ok', contains: 'item' },
      { what: 'XLSX with 6,000,000 cells → CSV', data: () => xlsxCells(300_000, 20), name: 'big.xlsx', to: 'csv', expect: 'TOO_COMPLEX' },
      { what: 'XLSX, ordinary (100 × 10)', data: () => xlsxCells(100, 10), name: 'ok.xlsx', to: 'csv', expect: 'ok' },
    ];
    const failures: string[] = [];
    for (const c of cases) {
      const data = await c.data();
      const o = await convert(s, data, c.name, c.to, c.query ?? '');
      console.log(`# ${c.what}: ${data.length} bytes → ${o.status} ${o.code ?? ''} in ${o.ms} ms`);
      if (c.expect === 'ok') {
        if (o.status !== 200 || (c.contains && !o.body.includes(c.contains))) failures.push(`${c.what}: expected success, got ${o.status} ${o.body.slice(0, 200)}`);
      } else if (o.status !== 422 || o.code !== c.expect) {
        failures.push(`${c.what}: expected 422 ${c.expect}, got ${o.status} ${o.code} ${o.body.slice(0, 200)}`);
      }
    }
    assert.deepEqual(failures, [], failures.join('\n'));
    // The server survived all of it.
    assert.equal((await rawRequest(s.port, 'GET', '/api/health')).status, 200);
  } finally {
    await s.stop();
  }
});
