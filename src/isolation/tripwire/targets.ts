// Where a call wants to go, and whether our own IPC allow-list covers it. Outbound loopback is
// NOT allowed by default: a local proxy or a forwarder on 127.0.0.1 would carry it anywhere.
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { state } from './state.js';

export function isLoopbackHost(host: string | undefined | null): boolean {
  if (host === undefined || host === null || host === '') return true; // Node's default host is localhost
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  return mapped !== null && (mapped[1] ?? '').startsWith('127.');
}

export function familyOf(host: string | undefined): 'IPv4' | 'IPv6' | undefined {
  const v = isIP((host ?? '').replace(/^\[|\]$/g, ''));
  return v === 4 ? 'IPv4' : v === 6 ? 'IPv6' : undefined;
}

export function isAllowedLoopback(host: string | undefined | null, port: number | undefined): boolean {
  return port !== undefined && isLoopbackHost(host) && state().allowLoopbackPorts.has(port);
}

export function isAllowedUnixPath(path: string): boolean {
  const allowed = state().allowUnixPaths;
  if (allowed.size === 0) return false;
  if (allowed.has(path)) return true;
  // Abstract sockets ("\0name") are compared as given; file paths after resolving.
  return !path.startsWith('\0') && allowed.has(resolve(path));
}

export function toPort(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return undefined;
}

export function formatTarget(host: string | undefined, port: number | undefined): string {
  const h = host ?? 'localhost';
  const shown = h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
  return port === undefined ? shown : `${shown}:${port}`;
}
