// net.Socket.prototype.connect: the one choke point under net.connect, tls.connect, the
// http/https/http2 clients, fetch/undici and ws. Patching the prototype (not net.connect) also
// catches ESM code that captured `connect` before we ran. A blocked connect fails the way a
// real network failure does: the socket emits 'error' on a later tick, nothing reaches a syscall.
import net from 'node:net';
import type { Frame } from '../attribution.js';
import { block } from '../block.js';
import { state } from '../state.js';
import { familyOf, formatTarget, isAllowedLoopback, isAllowedUnixPath, toPort } from '../targets.js';

/** Marks a socket whose connect() went through this hook (the diagnostics witness checks it). */
export const VETTED = Symbol.for('hermetic.tripwire.vetted');

export interface ConnectTarget {
  host?: string;
  port?: number;
  path?: string;
}

/** Mirror of Node's normalizeArgs: (options | [options, cb] | port, host | path). */
export function connectTarget(args: unknown[]): ConnectTarget | undefined {
  let first = args[0];
  if (Array.isArray(first)) first = first[0]; // net.connect passes its normalized [options, cb]
  if (first !== null && typeof first === 'object') {
    const o = first as { path?: unknown; port?: unknown; host?: unknown };
    if (typeof o.path === 'string' && o.path !== '') return { path: o.path };
    const port = toPort(o.port);
    if (port === undefined) return undefined;
    return { port, host: typeof o.host === 'string' && o.host !== '' ? o.host : 'localhost' };
  }
  if (typeof first === 'string' && toPort(first) === undefined) return { path: first };
  const port = toPort(first);
  if (port === undefined) return undefined;
  return { port, host: typeof args[1] === 'string' && args[1] !== '' ? args[1] : 'localhost' };
}

/** Name the API from the Node-internal frame the culprit called into. */
export function connectApi(entry: Frame | undefined): { api: string; protocol: string } {
  if (!entry) return { api: 'net.Socket.connect', protocol: 'tcp' };
  const { file, fn } = entry;
  // Module names moved between Node lines (node:_tls_wrap → node:internal/tls/wrap, …): match loosely.
  const verb = /get/i.test(fn) ? 'get' : 'request';
  if (!file.startsWith('node:')) return { api: 'net.Socket.connect', protocol: 'tcp' };
  if (/https/.test(file)) return { api: `https.${verb}`, protocol: 'https' };
  if (/http2/.test(file)) return { api: 'http2.connect', protocol: 'http2' };
  if (/http/.test(file)) return { api: `http.${verb}`, protocol: 'http' };
  if (/tls/.test(file)) return { api: 'tls.connect', protocol: 'tls' };
  if (/undici/.test(file)) return { api: 'fetch', protocol: 'http' };
  if (file === 'node:net') return { api: fn.includes('createConnection') ? 'net.createConnection' : 'net.connect', protocol: 'tcp' };
  return { api: 'net.Socket.connect', protocol: 'tcp' };
}

export function installNetConnectHook(): boolean {
  const proto = net.Socket.prototype as unknown as { connect: (...args: unknown[]) => unknown };
  const original = proto.connect;
  if (typeof original !== 'function') return false;
  const s = state();

  function connect(this: net.Socket & { [VETTED]?: boolean }, ...args: unknown[]): unknown {
    s.connectHookCalls++;
    this[VETTED] = true;
    const t = connectTarget(args);
    // Unparseable arguments: Node's own validation throws its usual error, no syscall is made.
    if (!t) return original.apply(this, args);
    if (t.path !== undefined ? isAllowedUnixPath(t.path) : isAllowedLoopback(t.host, t.port)) {
      return original.apply(this, args);
    }
    const { error } = block({
      kind: 'network',
      api: (entry) => (t.path !== undefined ? { api: connectApi(entry).api, protocol: 'unix' } : connectApi(entry)),
      ...(t.path !== undefined
        ? { host: t.path, family: 'unix', shown: t.path }
        : { host: t.host, port: t.port, family: familyOf(t.host) ?? 'hostname', shown: formatTarget(t.host, t.port) }),
    });
    error.syscall = 'connect';
    // Like a refused connection: 'error' then 'close' on a later tick, never a synchronous throw.
    // `connecting` is set as a real connect() would, so callers that wait for 'connect' (http2
    // sessions) wait — and get the error — instead of treating the socket as already open.
    (this as unknown as { connecting: boolean }).connecting = true;
    process.nextTick(() => this.destroy(error));
    return this;
  }
  Object.defineProperty(connect, 'name', { value: 'connect' });
  proto.connect = connect;
  return true;
}
