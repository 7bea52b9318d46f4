// Debian's Chromium (/usr/bin/chromium, from apt — never a browser download) driven by
// playwright-core, with a fresh profile, and every request any page makes recorded twice: by
// Playwright (context 'request' events: documents, scripts, fetch, XHR, EventSource,
// downloads) and at the DevTools-protocol network level (Network.requestWillBeSent and
// webSocketCreated, per page) — so a test can assert that the page talked to nothing but its
// own loopback server.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.HERMETIC_CHROMIUM || '/usr/bin/chromium';

/** Why the browser suite cannot run here, or null. (CI installs chromium: a skip there fails the run.) */
export function browserMissing(): string | null {
  return existsSync(CHROMIUM) ? null : `no Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run does)`;
}

/** The flags the brief asks for; --no-sandbox because CI runs as root (Chromium refuses its sandbox as root). */
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-default-apps', '--disable-domain-reliability', '--no-pings', '--metrics-recording-only',
];

export interface Recorded { via: 'playwright' | 'cdp' | 'cdp-websocket'; url: string }

export interface Browser {
  context: BrowserContext;
  requests: Recorded[];
  /** A new page with CDP-level recording attached. */
  page(viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

export async function launch(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'hermetic-e2e-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    // Playwright adds its own defaults; none of them may turn a network feature back on.
    ignoreDefaultArgs: ['--enable-automation'],
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
    locale: 'en-US',
    timezoneId: 'UTC',
    colorScheme: 'light',
    env: { ...process.env, TZ: 'UTC' },
  });
  const requests: Recorded[] = [];
  context.on('request', (r) => { requests.push({ via: 'playwright', url: r.url() }); });
  return {
    context,
    requests,
    async page(viewport) {
      const page = await context.newPage();
      if (viewport) await page.setViewportSize(viewport);
      const cdp = await context.newCDPSession(page);
      cdp.on('Network.requestWillBeSent', (e) => { requests.push({ via: 'cdp', url: e.request.url }); });
      cdp.on('Network.webSocketCreated', (e) => { requests.push({ via: 'cdp-websocket', url: e.url }); });
      await cdp.send('Network.enable');
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The origin a recorded URL talks to (blob: URLs belong to the page that made them), or null for data: URLs. */
export function originOf(url: string): string | null {
  if (url.startsWith('data:')) return null;
  if (url.startsWith('blob:')) return new URL(url.slice(5)).origin;
  return new URL(url).origin;
}
