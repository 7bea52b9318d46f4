// Benchmark: the web UI in Debian's Chromium against `hermetic serve` (the same launch as the
// browser suite, test/e2e). Prints, as ratios against baselines measured in the same run:
//   - page load until usable (converter ready, feed and badge filled) vs the same browser
//     loading one JSON document (/api/health) from the same server;
//   - one small conversion through the UI (pick a file, Convert, result in the tab: upload with
//     progress, job states over the event stream, result download) vs the same conversion as
//     one synchronous API call from Node;
//   - requests and bytes per page load.
//   npx tsc -p tsconfig.json && node dist/bench/ui.js [--rounds N]
import { parseArgs } from 'node:util';
import { launch } from '../test/e2e/browser.js';
import { serve } from '../test/e2e/server.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '7' } } });
const rounds = Number(values.rounds);
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] as number; };

const srv = await serve();
const b = await launch();
try {
  const page = await b.page();
  await page.goto(srv.tokenUrl);

  // Bytes and requests of one load, at the DevTools-protocol level.
  const cdp = await b.context.newCDPSession(page);
  let bytes = 0;
  let requests = 0;
  cdp.on('Network.requestWillBeSent', () => { requests++; });
  cdp.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength; });
  await cdp.send('Network.enable');

  const usable = async (): Promise<number> => {
    const t0 = performance.now();
    await page.goto(`${srv.origin}/`);
    await page.locator('#convert-form:not([hidden])').waitFor();
    await page.locator('#events-list > li').first().waitFor();
    await page.locator('#indicator.ok, #indicator.warn, #indicator.bad').waitFor();
    return performance.now() - t0;
  };
  const document = async (): Promise<number> => {
    const t0 = performance.now();
    await page.goto(`${srv.origin}/api/health`);
    return performance.now() - t0;
  };
  await usable(); // warm-up: browser caches, the server's JIT
  requests = 0;
  bytes = 0;
  await usable();
  const perLoad = { requests, bytes };
  const ui: number[] = [];
  const doc: number[] = [];
  for (let i = 0; i < rounds; i++) { doc.push(await document()); ui.push(await usable()); }

  // One small conversion: through the page, and as one API call.
  const viaUi = async (n: number): Promise<number> => {
    const name = `bench-${n}.yaml`;
    await page.getByLabel('Choose files').setInputFiles([{ name, mimeType: 'application/yaml', buffer: Buffer.from(`n: ${n}\n`) }]);
    const row = page.locator(`li.file[data-name="${name}"]`);
    await row.getByLabel('Convert to').selectOption('json');
    const t0 = performance.now();
    await page.getByRole('button', { name: 'Convert', exact: true }).click();
    await page.locator(`li.file[data-name="${name}"][data-status="done"]`).waitFor({ timeout: 60_000 });
    return performance.now() - t0;
  };
  const viaApi = async (n: number): Promise<number> => {
    const t0 = performance.now();
    const res = await fetch(`${srv.origin}/api/convert?to=json&name=bench-${n}.yaml`, { method: 'POST', headers: { authorization: `Bearer ${srv.token}`, 'content-type': 'application/octet-stream' }, body: `n: ${n}\n` });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`API conversion: HTTP ${res.status}`);
    return performance.now() - t0;
  };
  await usable();
  await viaUi(-1);
  await viaApi(-1);
  const convUi: number[] = [];
  const convApi: number[] = [];
  // Workers are single-use: give the pool time to warm the next one before each measured
  // conversion, so both sides find one ready (otherwise the second pays for a worker's start).
  const settle = (): Promise<void> => new Promise((done) => setTimeout(done, 2500));
  for (let i = 0; i < rounds; i++) {
    await settle();
    convApi.push(await viaApi(i));
    await settle();
    convUi.push(await viaUi(i));
  }

  const r = (x: number) => `${x.toFixed(0)} ms`;
  console.log(`web UI in ${'Chromium'}, ${rounds} rounds each, interleaved (median)`);
  console.log(`  page load until usable     ${r(median(ui))}   vs one JSON document ${r(median(doc))}   ratio ${(median(ui) / median(doc)).toFixed(2)}`);
  console.log(`  one small conversion (UI)  ${r(median(convUi))}   vs one sync API call  ${r(median(convApi))}   ratio ${(median(convUi) / median(convApi)).toFixed(2)}`);
  console.log(`  per page load: ${perLoad.requests} requests, ${(perLoad.bytes / 1024).toFixed(1)} KiB transferred (all to ${srv.origin})`);
  console.log(`  rounds: load ${ui.map((x) => x.toFixed(0)).join(', ')} | doc ${doc.map((x) => x.toFixed(0)).join(', ')} | ui conv ${convUi.map((x) => x.toFixed(0)).join(', ')} | api conv ${convApi.map((x) => x.toFixed(0)).join(', ')}`);
} finally {
  await b.close();
  await srv.close();
}
