// Security headers on EVERY response: routes, static files, errors, 404s, 429s, early rejects
// from other hooks (they all pass through onSend).
import type { ServerPlugin } from './types.js';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
  // The UI (issue 16): no frames or workers (a fresh frame would bring back the WebRTC that
  // web/no-webrtc.js removes), and no HTML-from-strings at all (Trusted Types with no policy).
  "frame-src 'none'",
  "worker-src 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

/** Powerful features the UI never needs, all disabled (no camera, mic, location, devices, tracking). */
export const PERMISSIONS_POLICY = [
  'accelerometer', 'autoplay', 'bluetooth', 'browsing-topics', 'camera', 'display-capture', 'encrypted-media',
  'geolocation', 'gyroscope', 'hid', 'idle-detection', 'local-fonts', 'magnetometer', 'microphone', 'midi',
  'payment', 'publickey-credentials-get', 'screen-wake-lock', 'serial', 'usb', 'window-management',
  'xr-spatial-tracking',
].map((f) => `${f}=()`).join(', ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'permissions-policy': PERMISSIONS_POLICY,
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'x-permitted-cross-domain-policies': 'none',
};

export const securityHeaders: ServerPlugin = (app) => {
  // Callback style, not async: this runs on every response, and an async hook costs a promise
  // round trip per request (measured by bench/server.ts).
  app.addHook('onSend', (request, reply, payload, done) => {
    for (const name in SECURITY_HEADERS) reply.header(name, SECURITY_HEADERS[name] as string);
    // API answers are never cached (they may carry security state); static UI files may be.
    if (request.url.startsWith('/api/') || reply.statusCode >= 400) reply.header('cache-control', 'no-store');
    done(null, payload);
  });
};
