// Which addresses count as "this machine only", and which Host/Origin values a browser may
// legitimately send to us. DNS rebinding needs a *name* that resolves to 127.0.0.1, so only the
// fixed loopback spellings are accepted as Host — never an arbitrary name.
import { isIP } from 'node:net';

/** The bind addresses we accept without --allow-non-loopback. 'localhost' is mapped, not resolved. */
const LOOPBACK_BIND: Record<string, string> = {
  '127.0.0.1': '127.0.0.1',
  '::1': '::1',
  '[::1]': '::1',
  localhost: '127.0.0.1',
};

/** The address to listen on for a configured host, or null when it is not loopback. */
export function loopbackAddress(host: string): string | null {
  return LOOPBACK_BIND[host.trim().toLowerCase()] ?? null;
}

/** Host header values we answer (lower case). */
export function allowedHostHeaders(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
}

/** Origins of our own pages (lower case, no trailing slash). */
export function allowedOrigins(port: number): Set<string> {
  return new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`]);
}

/** `1.2.3.4:80` or `[2001:db8::1]:80` — an IP-literal Host, which DNS rebinding cannot produce. */
export function isIpLiteralHost(hostHeader: string, port: number): boolean {
  const m = /^(?:\[([0-9a-f:.]+)\]|([0-9.]+)):(\d+)$/i.exec(hostHeader);
  if (!m || Number(m[3]) !== port) return false;
  return isIP(m[1] ?? m[2] ?? '') !== 0;
}

/** The URL a person opens (always a loopback spelling when bound to loopback). */
export function displayHost(bindAddress: string): string {
  return bindAddress.includes(':') ? `[${bindAddress}]` : bindAddress;
}
