// Hermetic UI, the entry module. Talks only to this server (same origin; the token travels in
// an HttpOnly cookie the server set). web/no-webrtc.js ran before this, so the page has no
// WebRTC; the CSP allows connections to this server only and no inline script at all.
import { $ } from './dom.js';
import { onUnauthorized } from './api.js';
import { refreshIsolation } from './isolation.js';
import { startFeed } from './feed.js';
import { startConverter, converterOfJob } from './converter.js';

/** Health is public and cheap, but the API is rate-limited: refresh at most this often. */
const HEALTH_EVERY_MS = 30_000;
const AFTER_EVENT_MS = 1_000;

onUnauthorized(() => { $('auth-notice').hidden = false; });

let pending = null;
/** A new security event or a finished job may change the badge (blocked attempts): refresh soon, once. */
function refreshSoon() {
  if (pending) return;
  pending = setTimeout(() => { pending = null; void refreshIsolation(); }, AFTER_EVENT_MS);
}

void refreshIsolation();
setInterval(() => { void refreshIsolation(); }, HEALTH_EVERY_MS);
// The feed after the converter: it names each attempt's converter from the jobs the converter knows.
void startConverter(refreshSoon).finally(() => startFeed(refreshSoon, converterOfJob));
