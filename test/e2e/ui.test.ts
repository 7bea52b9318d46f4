// The web UI in a real browser (Debian's Chromium driven by playwright-core), against
// `hermetic serve` as a user runs it: one file, several files and their ZIP, one image of
// each converter family (image, document, data incl. JSON, PDF, OCR), options from the
// schema, a bad file, keyboard-only use, the live security-event feed receiving a user
// converter's blocked attempt (a loopback canary that must see nothing), the isolation
// panel's explanations, and the 390 px layout. Every request the page makes is recorded
// (Playwright and DevTools-protocol level) and asserted to go to this server only; the page
// has no WebRTC. Screenshots of the main screens go to docs/screenshots/latest/ (and, with
// HERMETIC_SCREENSHOTS=update, to the two that README.md shows).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdirSync, readFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { PDFDocument } from 'pdf-lib';
import type { Page, Locator } from 'playwright-core';
import { launch, browserMissing, originOf, type Browser } from './browser.js';
import { serve, type Served } from './server.js';
import { startCanary, type Canary } from '../helpers/canary.js';
import { repoRoot } from '../helpers/paths.js';
import { readZip } from '../helpers/unzip.js';
import { solidPng, textPng, textPdf, docx } from '../unit/convert-fixtures.js';

const skip = browserMissing() ?? undefined;
const SHOTS = join(repoRoot, 'docs', 'screenshots');
const LATEST = join(SHOTS, 'latest');

interface FileSpec { name: string; mimeType: string; buffer: Buffer }
const file = (name: string, data: Buffer | string, mimeType = 'application/octet-stream'): FileSpec => ({ name, mimeType, buffer: Buffer.isBuffer(data) ? data : Buffer.from(data) });

async function screenshot(target: Page | Locator, name: string, readme = false): Promise<void> {
  mkdirSync(LATEST, { recursive: true });
  const path = join(LATEST, `${name}.png`);
  await target.screenshot({ path, ...('goto' in target ? { fullPage: true } : {}) });
  if (readme && process.env.HERMETIC_SCREENSHOTS === 'update') copyFileSync(path, join(SHOTS, `${name}.png`));
}

/** A fresh page state: the UI loaded, converters listed, the feed loaded. */
async function open(page: Page, srv: Served): Promise<void> {
  await page.goto(`${srv.origin}/`);
  await page.locator('#convert-form:not([hidden])').waitFor();
  await page.locator('#events-list > li').first().waitFor();
  // Record every state each file row goes through (the progress a user sees, step by step).
  await page.evaluate(() => {
    const seen: Record<string, string[]> = {};
    (window as unknown as { __statuses: typeof seen }).__statuses = seen;
    // Several changes in one task (the upload's answer says 'queued', the stream had already
    // said 'running') arrive in one callback: each record's new value is the next record's old
    // value on the same row, the last one's is the row's value now — reading the row's current
    // value for every record would drop the states in between.
    new MutationObserver((records) => {
      records.forEach((r, i) => {
        const li = r.target as HTMLElement;
        const name = li.dataset['name'];
        const later = records.slice(i + 1).find((x) => x.target === li);
        const status = later ? later.oldValue : li.dataset['status'];
        if (!name || !status) return;
        const list = (seen[name] ??= []);
        if (list.at(-1) !== status) list.push(status);
      });
    }).observe(document.getElementById('convert-form')!, { subtree: true, attributes: true, attributeOldValue: true, attributeFilter: ['data-status'] });
  });
}

const row = (page: Page, name: string): Locator => page.locator(`li.file[data-name="${name}"]`);

async function addFiles(page: Page, files: FileSpec[]): Promise<void> {
  await page.getByLabel('Choose files').setInputFiles(files);
  for (const f of files) await row(page, f.name).waitFor();
}

/** Wait until the row is done or failed; a failure is reported with what the page says. */
async function settled(page: Page, name: string, timeout = 90_000): Promise<'done' | 'failed'> {
  const r = row(page, name);
  try {
    await page.waitForFunction((n) => ['done', 'failed'].includes(document.querySelector(`li.file[data-name="${n}"]`)?.getAttribute('data-status') ?? ''), name, { timeout });
  } catch (e) {
    throw new Error(`${name} did not finish: ${await r.getAttribute('data-status')}: ${await r.innerText()}`, { cause: e });
  }
  return (await r.getAttribute('data-status')) as 'done' | 'failed';
}

async function convertOk(page: Page, name: string): Promise<void> {
  const s = await settled(page, name);
  assert.equal(s, 'done', `${name}: ${await row(page, name).innerText()}`);
}

async function download(page: Page, link: Locator): Promise<{ name: string; data: Buffer }> {
  const [dl] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const path = await dl.path();
  return { name: dl.suggestedFilename(), data: readFileSync(path) };
}

const downloadLink = (page: Page, name: string): Locator => row(page, name).getByRole('link', { name: /^Download / });

async function statuses(page: Page, name: string): Promise<string[]> {
  return page.evaluate((n) => (window as unknown as { __statuses: Record<string, string[]> }).__statuses[n] ?? [], name);
}

const convertButton = (page: Page): Locator => page.getByRole('button', { name: 'Convert', exact: true });

test('the web UI in Chromium: conversions, isolation panel, live events, 390 px — and the page talks to nothing but this server', { skip, timeout: 900_000 }, async (t) => {
  const canary: Canary = await startCanary();
  const srv = await serve();
  let b: Browser | null = null;
  t.after(async () => { await b?.close(); await srv.close(); await canary.close(); });
  b = await launch();
  const page = await b.page();
  // A script error in the page is a failure, whatever the assertions below say.
  const pageErrors: string[] = [];
  b.context.on('weberror', (e) => { pageErrors.push(e.error().message); });
  t.after(() => { assert.deepEqual(pageErrors, [], 'no script error in the page'); });
  // Open the link `serve` printed: the token becomes an HttpOnly cookie and leaves the address bar.
  await page.goto(srv.tokenUrl);
  assert.equal(page.url(), `${srv.origin}/`);

  await t.test('the page cannot do network: no WebRTC before any script runs, no frames, CSP connect-src self, nothing external', async () => {
    // Positive control: this very browser has WebRTC on a page that does not remove it.
    const blank = await b!.page();
    await blank.goto('about:blank');
    assert.equal(await blank.evaluate(() => typeof (window as unknown as Record<string, unknown>)['RTCPeerConnection']), 'function');
    await blank.close();

    const res = await page.goto(`${srv.origin}/`);
    const csp = res!.headers()['content-security-policy'] ?? '';
    assert.match(csp, /connect-src 'self'/);
    assert.match(csp, /default-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/, 'no inline scripts, no eval, no external origin');
    const probe = await page.evaluate(() => {
      const w = window as unknown as Record<string, unknown>;
      const gone = ['RTCPeerConnection', 'webkitRTCPeerConnection', 'RTCDataChannel', 'RTCSessionDescription', 'RTCIceCandidate', 'RTCRtpSender', 'RTCRtpTransceiver', 'WebTransport', 'WebSocket']
        .filter((n) => typeof w[n] !== 'undefined');
      const rtcLeft = Object.getOwnPropertyNames(window).filter((n) => /RTC|WebTransport|WebSocket/.test(n));
      let frame = 'created';
      try { document.createElement('iframe'); } catch (e) { frame = (e as Error).message; }
      let html = 'accepted';
      try { document.body.insertAdjacentHTML('beforeend', '<iframe></iframe>'); } catch (e) { html = (e as Error).name; }
      const scripts = [...document.scripts].map((s) => ({ src: s.src, inline: !s.src && s.textContent!.trim().length > 0 }));
      const first = document.scripts[0]?.getAttribute('src');
      const external = [...document.querySelectorAll('[src], [href]')].map((e) => (e as HTMLElement).getAttribute('src') ?? (e as HTMLElement).getAttribute('href') ?? '')
        .filter((u) => /^[a-z]+:/i.test(u) && !u.startsWith('data:') && !u.startsWith(location.origin));
      return { typeofRTC: typeof w['RTCPeerConnection'], gone, rtcLeft, frame, html, open: window.open('about:blank'), scripts, first, external, frames: window.frames.length };
    });
    assert.equal(probe.typeofRTC, 'undefined');
    assert.deepEqual(probe.gone, []);
    assert.deepEqual(probe.rtcLeft, []);
    assert.match(probe.frame, /creates no frames/);
    assert.equal(probe.html, 'TypeError', 'Trusted Types refuse HTML from strings');
    assert.equal(probe.open, null);
    assert.equal(probe.frames, 0);
    assert.equal(probe.first, '/no-webrtc.js', 'the WebRTC remover is the first script');
    assert.ok(probe.scripts.every((s) => !s.inline), 'no inline script');
    assert.deepEqual(probe.external, [], 'no external resource referenced');

    // connect-src 'self' holds: a fetch to another loopback port is refused by the browser and
    // never arrives (the listener must see nothing).
    let hits = 0;
    const other: Server = createServer((_q, s) => { hits++; s.end('no'); });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const port = (other.address() as { port: number }).port;
    const blocked = await page.evaluate(async (p) => {
      const violations: string[] = [];
      document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective));
      let outcome = 'fetched';
      try { await fetch(`http://127.0.0.1:${p}/`); } catch (e) { outcome = (e as Error).name; }
      await new Promise((r) => setTimeout(r, 100));
      return { outcome, violations };
    }, port);
    await new Promise<void>((r) => other.close(() => r()));
    assert.equal(blocked.outcome, 'TypeError');
    assert.deepEqual(blocked.violations, ['connect-src']);
    assert.equal(hits, 0, 'the other server saw nothing');
  });

  await t.test('the status recorder keeps every state, also several set in one task (the checks below rely on it)', async () => {
    await open(page, srv);
    await page.evaluate(() => {
      const li = document.createElement('li');
      li.dataset['name'] = 'recorder probe';
      document.getElementById('convert-form')!.append(li);
      for (const s of ['ready', 'uploading', 'queued', 'converting']) li.dataset['status'] = s;
      return new Promise((r) => setTimeout(() => { li.remove(); r(null); }, 50));
    });
    assert.deepEqual(await statuses(page, 'recorder probe'), ['ready', 'uploading', 'queued', 'converting']);
  });

  await t.test('one file: PNG → WebP through the picker; upload %, queued, converting, done; the download is a WebP', async () => {
    await open(page, srv);
    await addFiles(page, [file('red square.png', await solidPng(64, 48), 'image/png')]);
    const r = row(page, 'red square.png');
    assert.match(await r.innerText(), /PNG image/);
    const select = r.getByLabel('Convert to');
    assert.equal(await select.evaluate((s: HTMLSelectElement) => s.options.length > 3), true);
    const offered = await select.evaluate((s: HTMLSelectElement) => [...s.options].map((o) => o.value));
    assert.ok(offered.includes('webp') && offered.includes('pdf') && offered.includes('txt'), offered.join());
    assert.ok(!offered.includes('html') && !offered.includes('json'), 'only what a PNG can become');
    await select.selectOption('webp');
    await convertButton(page).click();
    await convertOk(page, 'red square.png');
    const seen = await statuses(page, 'red square.png');
    assert.deepEqual(seen.slice(0, 2), ['ready', 'uploading'], seen.join(' → '));
    assert.ok(seen.includes('queued'), seen.join(' → '));
    assert.equal(seen.at(-1), 'done');
    const order = ['ready', 'uploading', 'queued', 'converting', 'fetching', 'done'];
    assert.deepEqual(seen, [...seen].sort((a, b2) => order.indexOf(a) - order.indexOf(b2)), `in order: ${seen.join(' → ')}`);
    const dl = await download(page, downloadLink(page, 'red square.png'));
    assert.equal(dl.name, 'red square.webp');
    const meta = await sharp(dl.data).metadata();
    assert.equal(meta.format, 'webp');
    assert.equal(meta.width, 64);
    assert.match(await r.innerText(), /Converted offline, isolated by: .*(Private network|Socket filter|Landlock)/);
  });

  await t.test('a busy server (429 with Retry-After): the upload waits as told, says so, and goes on', async () => {
    await open(page, srv);
    let calls = 0;
    // The first upload is answered "too many requests" by the test (the server's own limiter is
    // raised for this suite); the UI must wait Retry-After and send it again.
    await page.route('**/api/convert?async=1', async (route) => {
      calls++;
      if (calls === 1) await route.fulfill({ status: 429, headers: { 'retry-after': '1', 'content-type': 'application/json' }, body: JSON.stringify({ error: { code: 'RATE_LIMITED', message: 'too many requests' } }) });
      else await route.continue();
    });
    try {
      await addFiles(page, [file('patient.yaml', 'a: 1\n')]);
      await row(page, 'patient.yaml').getByLabel('Convert to').selectOption('json');
      await convertButton(page).click();
      await row(page, 'patient.yaml').locator('.status', { hasText: 'The server is busy (too many requests); trying again in 1 s' }).waitFor();
      await convertOk(page, 'patient.yaml');
      assert.equal(calls, 2);
    } finally {
      await page.unroute('**/api/convert?async=1');
    }
  });

  await t.test('keyboard only: Tab to "Convert to", arrows to choose, Tab to Convert, Enter', async () => {
    await open(page, srv);
    await addFiles(page, [file('notes.csv', 'name,qty\nbolt,4\n', 'text/csv')]);
    await row(page, 'notes.csv').getByLabel('Convert to').focus();
    await row(page, 'notes.csv').getByLabel('Convert to').selectOption('yaml');
    // From the select, Tab moves through the row's other controls to the Convert button.
    let reached = false;
    for (let i = 0; i < 12 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.id === 'convert-button');
    }
    assert.ok(reached, 'the Convert button is reachable with Tab');
    await page.keyboard.press('Enter');
    await convertOk(page, 'notes.csv');
    const dl = await download(page, downloadLink(page, 'notes.csv'));
    assert.equal(dl.name, 'notes.yaml');
    assert.match(dl.data.toString('utf8'), /name: bolt/);
  });

  await t.test('every family: data to JSON (kept as a file, not taken for an API answer), document with warnings, PDF, OCR with its confidence', async () => {
    await open(page, srv);
    await addFiles(page, [
      file('stock.csv', 'item,qty\nbolt,4\nnut,7\n', 'text/csv'),
      file('readme.md', '# Title\n\n![logo](http://images.invalid/logo.png)\n\nText.\n', 'text/markdown'),
      file('letter.docx', await docx('Dear reader', 'This came from Word.')),
      file('report.pdf', await textPdf(['Quarterly report', 'All local'])),
      file('scan.png', await textPng('Hermetic reads this line'), 'image/png'),
    ]);
    await row(page, 'stock.csv').getByLabel('Convert to').selectOption('json');
    await row(page, 'readme.md').getByLabel('Convert to').selectOption('html');
    await row(page, 'letter.docx').getByLabel('Convert to').selectOption('md');
    await row(page, 'report.pdf').getByLabel('Convert to').selectOption('txt');
    await row(page, 'scan.png').getByLabel('Convert to').selectOption('txt');
    assert.match(await row(page, 'scan.png').getByLabel('Convert to').locator('option:checked').innerText(), /OCR/);
    await convertButton(page).click();
    for (const n of ['stock.csv', 'readme.md', 'letter.docx', 'report.pdf', 'scan.png']) await convertOk(page, n);

    const json = await download(page, downloadLink(page, 'stock.csv'));
    assert.equal(json.name, 'stock.json');
    assert.deepEqual(JSON.parse(json.data.toString('utf8')), [{ item: 'bolt', qty: '4' }, { item: 'nut', qty: '7' }]);

    const html = await download(page, downloadLink(page, 'readme.md'));
    assert.match(html.data.toString('utf8'), /<h1>Title<\/h1>/);
    const warnings = row(page, 'readme.md').getByRole('list', { name: 'Warnings' });
    assert.match(await warnings.innerText(), /images\.invalid/, 'the remote reference is shown as a warning with the result');

    assert.match((await download(page, downloadLink(page, 'letter.docx'))).data.toString('utf8'), /Dear reader/);
    assert.match((await download(page, downloadLink(page, 'report.pdf'))).data.toString('utf8'), /Quarterly report/);

    const ocr = await download(page, downloadLink(page, 'scan.png'));
    assert.match(ocr.data.toString('utf8'), /Hermetic reads this line/i);
    assert.match(await row(page, 'scan.png').innerText(), /Text recognised with \d+% confidence/);
    assert.ok((await statuses(page, 'scan.png')).includes('converting'), 'OCR takes long enough to be seen converting');
    await screenshot(page.locator('#convert'), 'converter', true);
  });

  await t.test('options come from the converter\'s schema: a width reaches the converter; a bad value is refused in plain words', async () => {
    await open(page, srv);
    await addFiles(page, [file('wide.png', await solidPng(200, 100), 'image/png'), file('bad-quality.png', await solidPng(20, 20), 'image/png')]);
    for (const n of ['wide.png', 'bad-quality.png']) {
      await row(page, n).getByLabel('Convert to').selectOption('jpeg');
      await row(page, n).locator('summary', { hasText: 'Options' }).click();
    }
    const w = row(page, 'wide.png');
    assert.ok(await w.getByLabel('Quality (1–100)').isVisible());
    assert.ok(await w.getByLabel('Remove metadata (camera, location)').isChecked(), 'defaults from the schema');
    assert.deepEqual(await w.getByLabel('Fit into the size').evaluate((s: HTMLSelectElement) => [...s.options].map((o) => o.value)), ['cover', 'contain', 'fill', 'inside', 'outside']);
    await w.getByLabel('Width (pixels)').fill('50');
    await row(page, 'bad-quality.png').getByLabel('Quality (1–100)').fill('500');
    await convertButton(page).click();
    await convertOk(page, 'wide.png');
    const img = await sharp((await download(page, downloadLink(page, 'wide.png'))).data).metadata();
    assert.equal(img.format, 'jpeg');
    assert.equal(img.width, 50);
    assert.equal(await settled(page, 'bad-quality.png'), 'failed');
    const err = await row(page, 'bad-quality.png').locator('.error').innerText();
    assert.match(err, /One of the options is not valid/);
    assert.match(err, /INVALID_OPTIONS/);
    assert.match(err, /Quality \(1–100\): expected 1 to 100/);
  });

  await t.test('several files: the drop zone, "Set all to", and every result in one ZIP', async () => {
    await open(page, srv);
    const a = await solidPng(10, 10);
    const dt = await page.evaluateHandle((files) => {
      const d = new DataTransfer();
      for (const f of files) d.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name));
      return d;
    }, [{ name: 'one.png', b64: a.toString('base64') }, { name: 'two.png', b64: a.toString('base64') }, { name: 'three.gif', b64: (await sharp(a).gif().toBuffer()).toString('base64') }]);
    await page.dispatchEvent('#dropzone', 'drop', { dataTransfer: dt });
    for (const n of ['one.png', 'two.png', 'three.gif']) await row(page, n).waitFor();
    await page.getByLabel('Set all to').selectOption('webp');
    for (const n of ['one.png', 'two.png', 'three.gif']) assert.equal(await row(page, n).getByLabel('Convert to').inputValue(), 'webp');
    await convertButton(page).click();
    for (const n of ['one.png', 'two.png', 'three.gif']) await convertOk(page, n);
    const zip = await download(page, page.getByRole('button', { name: 'Download all (ZIP)' }));
    assert.equal(zip.name, 'hermetic-results.zip');
    const entries = await readZip(zip.data);
    assert.deepEqual(entries.map((e) => e.name).sort(), ['one.webp', 'three.webp', 'two.webp']);
    for (const e of entries) assert.equal((await sharp(e.data).metadata()).format, 'webp');
  });

  await t.test('several images combined into one PDF (one job)', async () => {
    await open(page, srv);
    await addFiles(page, [file('p1.png', await solidPng(30, 40), 'image/png'), file('p2.jpg', await sharp(await solidPng(30, 40)).jpeg().toBuffer(), 'image/jpeg')]);
    await page.getByLabel('Combine all files into one PDF').check();
    await convertButton(page).click();
    const combined = page.locator('#combined li.combined');
    await page.waitForFunction(() => ['done', 'failed'].includes(document.querySelector('#combined li')?.getAttribute('data-status') ?? ''), null, { timeout: 90_000 });
    assert.equal(await combined.getAttribute('data-status'), 'done', await combined.innerText());
    const pdf = await download(page, combined.getByRole('link', { name: /^Download / }));
    assert.equal((await PDFDocument.load(pdf.data)).getPageCount(), 2);
  });

  await t.test('bad files: each failure in plain words with its code; an unknown file: nothing offered', async () => {
    await open(page, srv);
    const png = await solidPng(40, 40);
    await addFiles(page, [
      file('not-an-image.png', 'this is text, not an image'),
      file('truncated.png', Buffer.concat([png.subarray(0, 33), Buffer.alloc(200, 7)])),
      file('mystery.bin', Buffer.from([0, 1, 2, 3, 0, 255])),
    ]);
    assert.match(await row(page, 'not-an-image.png').locator('.note').innerText(), /do not look like PNG/);
    assert.match(await row(page, 'mystery.bin').innerText(), /cannot tell what kind of file this is/);
    assert.equal(await row(page, 'mystery.bin').getByLabel('Convert to').count(), 0);
    await row(page, 'truncated.png').getByLabel('Convert to').selectOption('webp');
    await convertButton(page).click();
    assert.equal(await settled(page, 'not-an-image.png'), 'failed');
    const mismatch = await row(page, 'not-an-image.png').locator('.error').innerText();
    assert.match(mismatch, /name and its content disagree/);
    assert.match(mismatch, /FORMAT_MISMATCH/);
    assert.equal(await settled(page, 'truncated.png'), 'failed');
    const err = await row(page, 'truncated.png').locator('.error').innerText();
    assert.match(err, /could not be read/);
    assert.match(err, /INVALID_INPUT/);
    assert.equal(await row(page, 'mystery.bin').getAttribute('data-status'), 'ready', 'an unknown file is not sent anywhere');
  });

  await t.test('the events feed: a user converter\'s network attempt arrives live as a sentence; filters; details on demand; the canary saw nothing', async () => {
    await open(page, srv);
    const before = await page.locator('#events-list > li.event[data-id]').count();
    await addFiles(page, [file('ping.txt', 'hello', 'text/plain')]);
    const r = row(page, 'ping.txt');
    await r.getByLabel('Convert to').selectOption('txt@test-phone-home');
    assert.match(await r.getByLabel('Convert to').locator('option:checked').innerText(), /your converter/);
    await r.locator('summary', { hasText: 'Options' }).click();
    await r.getByLabel('Options (JSON object)').fill(JSON.stringify({ method: 'tcp', host: canary.host, port: canary.tcpPort }));
    await convertButton(page).click();
    await convertOk(page, 'ping.txt');
    const attempt = page.locator('#events-list > li.event[data-type="network_attempt"]', { hasText: `${canary.host}:${canary.tcpPort}` });
    await attempt.waitFor({ timeout: 30_000 });
    assert.ok(await page.locator('#events-list > li.event[data-id]').count() > before, 'the feed grew without a reload');
    const sentence = await attempt.locator('.sentence').innerText();
    assert.match(sentence, new RegExp(`^\\S.* tried to reach ${canary.host.replace(/\./g, '\\.')}:${canary.tcpPort} — blocked, job [0-9a-f]{8}$`), sentence);
    assert.doesNotMatch(sentence, /^(app|unknown) /, 'names the converter, not the tripwire\'s "app" (code outside any package)');
    assert.match(await attempt.getAttribute('class') ?? '', /sev-warning/);
    const colour = await attempt.evaluate((e) => getComputedStyle(e).borderLeftColor);
    assert.notEqual(colour, await page.locator('#events-list > li.event.sev-info').first().evaluate((e) => getComputedStyle(e).borderLeftColor), 'severities have their own colours');
    // Details on demand.
    assert.equal(await attempt.locator('dl').isVisible(), false);
    await attempt.locator('summary', { hasText: 'Details' }).click();
    const details = await attempt.locator('dl').innerText();
    assert.match(details, /detector\s+tripwire/);
    assert.match(details, new RegExp(`destination\\s+${canary.host.replace(/\./g, '\\.')}:${canary.tcpPort}`));
    // Filters.
    await page.getByLabel('Severity').selectOption('critical');
    await page.waitForFunction(() => !document.querySelector('#events-list > li.event[data-type="network_attempt"]'));
    await page.getByLabel('Severity').selectOption('');
    await page.getByLabel('Show').selectOption('network_attempt');
    await attempt.waitFor();
    assert.deepEqual(new Set(await page.locator('#events-list > li.event[data-id]').evaluateAll((es) => es.map((e) => (e as HTMLElement).dataset['type']))), new Set(['network_attempt']));
    // The badge counts it.
    await page.waitForFunction(() => /[1-9]\d* blocked attempt/.test(document.getElementById('indicator-text')!.textContent ?? ''), null, { timeout: 45_000 });
    await screenshot(page.locator('#events'), 'events');
    await page.getByLabel('Show').selectOption('');
    assert.equal(canary.hits, 0, 'the attempt was stopped before anything reached the canary');
  });

  await t.test('the isolation panel explains every layer; nothing is a red cross next to a green badge', async () => {
    await open(page, srv);
    const badge = await page.locator('#indicator').getAttribute('class');
    const layers = await page.locator('#layers > li').evaluateAll((ls) => ls.map((l) => ({ name: (l as HTMLElement).dataset['layer'], state: (l as HTMLElement).dataset['state'], text: l.querySelector('.layer-text')?.textContent ?? '' })));
    assert.ok(layers.length >= 4, JSON.stringify(layers));
    for (const l of layers) assert.ok(l.text.length > 40, `${l.name} has a sentence: ${l.text}`);
    if (/\bok\b/.test(badge ?? '')) assert.deepEqual(layers.filter((l) => l.state === 'off-bad'), [], 'a green badge has no unexplained red cross');
    const np = layers.find((l) => l.name === 'node-permission');
    if (np && np.state !== 'on') assert.match(np.text, /That is fine|Only the in-process guard/);
    assert.ok((await page.locator('#isolation-summary').innerText()).length > 60, 'the badge is explained in a sentence');
    await screenshot(page.locator('#isolation'), 'isolation');
  });

  await t.test('accessible names: a file input, "Convert to", "Convert"; every control in the accessibility tree has a name', async () => {
    await open(page, srv);
    await addFiles(page, [file('named.png', await solidPng(8, 8), 'image/png'), file('named.csv', 'a\n1\n', 'text/csv')]);
    await row(page, 'named.png').locator('summary', { hasText: 'Options' }).click();
    assert.equal(await page.getByLabel('Choose files').getAttribute('type'), 'file');
    assert.equal(await page.getByRole('combobox', { name: 'Convert to' }).count(), 2, 'one "Convert to" per file');
    assert.equal(await page.getByRole('group', { name: 'named.png' }).getByRole('combobox', { name: 'Convert to' }).count(), 1, 'each inside a group named after its file');
    assert.equal(await page.getByRole('button', { name: 'Convert', exact: true }).count(), 1);
    const cdp = await b!.context.newCDPSession(page);
    const { nodes } = await cdp.send('Accessibility.getFullAXTree') as { nodes: { ignored?: boolean; role?: { value?: string }; name?: { value?: string } }[] };
    await cdp.detach();
    const interactive = new Set(['button', 'combobox', 'checkbox', 'textbox', 'spinbutton', 'link', 'listbox']);
    const unnamed = nodes.filter((n) => !n.ignored && interactive.has(String(n.role?.value)) && !String(n.name?.value ?? '').trim()).map((n) => n.role?.value);
    assert.deepEqual(unnamed, [], 'every interactive element has an accessible name');
    assert.ok(nodes.filter((n) => !n.ignored && interactive.has(String(n.role?.value))).length > 15);
  });

  await t.test('390 px wide: nothing wider than the screen, a page of reasonable height, every section usable', async () => {
    // More events to lay out: three more blocked attempts, each from a fresh worker (its own row).
    for (const method of ['tcp', 'fetch', 'tcp']) {
      const q = new URLSearchParams({ to: 'txt', from: 'txt', converter: 'test-phone-home', name: 'x.txt', respond: 'json', options: JSON.stringify({ method, host: canary.host, port: canary.tcpPort }) });
      const res = await fetch(`${srv.origin}/api/convert?${q}`, { method: 'POST', headers: { authorization: `Bearer ${srv.token}`, 'content-type': 'application/octet-stream' }, body: 'x' });
      assert.equal(res.status, 200, await res.text());
    }
    const phone = await b!.page({ width: 390, height: 844 });
    await open(phone, srv);
    await addFiles(phone, [file('phone.png', await solidPng(10, 10), 'image/png')]);
    await row(phone, 'phone.png').locator('summary', { hasText: 'Options' }).click();
    const m = await phone.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      height: document.documentElement.scrollHeight,
      events: document.querySelectorAll('#events-list > li.event[data-id]').length,
      wide: [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1).map((e) => e.tagName + (e.id ? `#${e.id}` : '')).slice(0, 5),
    }));
    assert.ok(m.events >= 7, `enough events on screen to matter (${m.events})`);
    assert.deepEqual(m.wide, [], 'no element sticks out to the right');
    assert.ok(m.scrollWidth <= 390, `no horizontal scrolling (${m.scrollWidth})`);
    // The old events table at 390 px made a 5,087 px page; 20 events as sentences, five
    // explained layers and a file with its options open must fit well under that.
    assert.ok(m.height < 4500, `page height ${m.height} px`);
    await screenshot(phone, 'mobile-full');
    await phone.evaluate(() => window.scrollTo(0, 0));
    await phone.screenshot({ path: join(LATEST, 'mobile.png') });
    if (process.env.HERMETIC_SCREENSHOTS === 'update') copyFileSync(join(LATEST, 'mobile.png'), join(SHOTS, 'mobile.png'));
    await phone.close();
  });

  await t.test('every request any page made went to this server (Playwright and DevTools level); the recorder itself is proven', async () => {
    assert.deepEqual(pageErrors, [], 'no script error in the page');
    const seen = b!.requests;
    assert.ok(seen.filter((r) => r.via === 'cdp').length >= 50, 'the DevTools-level recorder saw the traffic');
    for (const path of ['/no-webrtc.js', '/api/jobs/stream', '/api/security/events/stream', '/api/convert?async=1', '/api/converters']) {
      assert.ok(seen.some((r) => r.via === 'playwright' && r.url.startsWith(`${srv.origin}${path}`)), `recorded ${path}`);
      assert.ok(seen.some((r) => r.via === 'cdp' && r.url.startsWith(`${srv.origin}${path}`)), `recorded ${path} (cdp)`);
    }
    assert.ok(!seen.some((r) => r.via === 'cdp-websocket'), 'no WebSocket was opened');
    const foreign = seen.filter((r) => { const o = originOf(r.url); return o !== null && o !== srv.origin; });
    assert.deepEqual(foreign, [], 'only this loopback server');
    assert.ok(seen.every((r) => { const o = originOf(r.url); return o === null || /^http:\/\/(127\.0\.0\.1|\[::1\]|localhost)(:\d+)?$/.test(o); }), 'loopback only');

    // Control: the same recorder and the same check catch a request to any other origin.
    let hits = 0;
    const other = createServer((_q, s) => { hits++; s.end('elsewhere'); });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const port = (other.address() as { port: number }).port;
    const control = await b!.page();
    await control.goto(`http://127.0.0.1:${port}/control`);
    await control.close();
    await new Promise<void>((r) => other.close(() => r()));
    assert.ok(hits >= 1, 'the control request arrived');
    const caught = new Set(b!.requests.filter((r) => { const o = originOf(r.url); return o !== null && o !== srv.origin; }).map((r) => r.via));
    assert.deepEqual([...caught].sort(), ['cdp', 'playwright'], 'a foreign request would have been caught at both levels');
  });
});
