// Global fetch, WebSocket and EventSource (when this Node has them). fetch rejects with a
// TypeError whose `cause` is the NetworkBlockedError — what undici does for a real failure, so
// code written for "offline" keeps working. WebSocket/EventSource construct an object that
// fails like an unreachable server: 'error' then 'close' on a later tick.
import { block } from '../block.js';
import { familyOf, formatTarget, isAllowedLoopback } from '../targets.js';

type AnyFn = (...args: unknown[]) => unknown;
type Ctor = new (...args: unknown[]) => object;

interface UrlTarget { url?: URL; host?: string; port?: number; scheme: string }

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443, 'ws:': 80, 'wss:': 443 };

export function urlTarget(input: unknown): UrlTarget {
  let raw: string | undefined;
  if (typeof input === 'string') raw = input;
  else if (input instanceof URL) raw = input.href;
  else if (input && typeof input === 'object' && typeof (input as { url?: unknown }).url === 'string') raw = (input as { url: string }).url;
  else if (input !== undefined && input !== null) raw = String(input);
  let url: URL | undefined;
  try { url = raw !== undefined ? new URL(raw) : undefined; } catch { url = undefined; }
  if (!url) return { scheme: '' };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port ? Number(url.port) : DEFAULT_PORTS[url.protocol];
  return { url, host, ...(port !== undefined ? { port } : {}), scheme: url.protocol };
}

function blockUrl(api: string, t: UrlTarget) {
  const { error } = block({
    kind: 'network',
    api,
    ...(t.host !== undefined ? { host: t.host } : {}),
    ...(t.port !== undefined ? { port: t.port } : {}),
    family: familyOf(t.host) ?? 'hostname',
    protocol: t.scheme.replace(/:$/, '') || 'http',
    shown: formatTarget(t.host, t.port),
  });
  return error;
}

function installFetch(): boolean {
  const original = globalThis.fetch as unknown as AnyFn | undefined;
  if (typeof original !== 'function') return false;
  const hooked = function fetch(this: unknown, ...args: unknown[]) {
    const t = urlTarget(args[0]);
    // data: and blob: never leave the process; an unparseable URL gets undici's own TypeError.
    if (!t.url || t.scheme === 'data:' || t.scheme === 'blob:' || isAllowedLoopback(t.host, t.port)) {
      return original.apply(this, args);
    }
    const cause = blockUrl('fetch', t);
    return Promise.reject(new TypeError('fetch failed', { cause }));
  };
  Object.defineProperty(globalThis, 'fetch', { value: hooked, writable: true, configurable: true, enumerable: true });
  return true;
}

/** An event target that behaves like a connection that never opened. */
function failingConnection(kind: 'WebSocket' | 'EventSource', url: string, error: Error): object {
  const target = new EventTarget() as EventTarget & Record<string, unknown>;
  Object.assign(target, {
    url,
    readyState: 0,
    CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: kind === 'WebSocket' ? 3 : 2,
    onopen: null, onerror: null, onclose: null, onmessage: null,
    close() { target.readyState = kind === 'WebSocket' ? 3 : 2; },
    send() { throw new DOMException('WebSocket is not open', 'InvalidStateError'); },
  });
  const fire = (ev: Event) => {
    const handler = target[`on${ev.type}`];
    if (typeof handler === 'function') (handler as AnyFn).call(target, ev);
    target.dispatchEvent(ev);
  };
  setTimeout(() => {
    target.readyState = kind === 'WebSocket' ? 3 : 2;
    const errEv = new Event('error') as Event & { error?: Error; message?: string };
    errEv.error = error;
    errEv.message = error.message;
    fire(errEv);
    if (kind === 'WebSocket') {
      const closeEv = new Event('close') as Event & { code?: number; reason?: string; wasClean?: boolean };
      closeEv.code = 1006; closeEv.reason = ''; closeEv.wasClean = false;
      fire(closeEv);
    }
  }, 0);
  return target;
}

function wrapConstructor(kind: 'WebSocket' | 'EventSource', original: Ctor): Ctor {
  const hooked = function (this: unknown, ...args: unknown[]) {
    const t = urlTarget(args[0]);
    if (!t.url || isAllowedLoopback(t.host, t.port)) return Reflect.construct(original, args, original);
    return failingConnection(kind, t.url.href, blockUrl(kind, t));
  } as unknown as Ctor;
  Object.defineProperty(hooked, 'name', { value: kind });
  for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'] as const) {
    const v = (original as unknown as Record<string, unknown>)[k];
    if (v !== undefined) Object.defineProperty(hooked, k, { value: v });
  }
  (hooked as unknown as { prototype: object }).prototype = original.prototype;
  return hooked;
}

/**
 * Node ≥ 22 defines `globalThis.WebSocket` as a V8 lazy data property: reading it — even with
 * Object.getOwnPropertyDescriptor — loads all of undici (~30 ms of CPU in every process and
 * worker). `node:http` exposes the same constructor through an ordinary lazy getter (Node ≥ 22.5),
 * so the guard can wrap it on first use without touching the global. Null: no such source.
 */
function lazySourceOf(kind: 'WebSocket' | 'EventSource'): (() => unknown) | null {
  if (kind !== 'WebSocket') return null;
  const getBuiltin = (process as unknown as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  const http = typeof getBuiltin === 'function' ? getBuiltin('node:http') : undefined;
  if (!http || typeof http !== 'object') return null;
  const desc = Object.getOwnPropertyDescriptor(http, kind);
  const get = desc?.get;
  return get ? () => get.call(http) : null;
}

function defineLazyGlobal(kind: 'WebSocket' | 'EventSource', getter: () => unknown, enumerable: boolean): void {
  let hooked: Ctor | undefined;
  Object.defineProperty(globalThis, kind, {
    configurable: true,
    enumerable,
    get() {
      if (!hooked) {
        const original = getter() as Ctor | undefined;
        if (typeof original !== 'function') return original;
        hooked = wrapConstructor(kind, original);
      }
      return hooked;
    },
    set(v: unknown) { Object.defineProperty(globalThis, kind, { value: v, writable: true, configurable: true, enumerable: false }); },
  });
}

function installConnectionGlobal(kind: 'WebSocket' | 'EventSource'): boolean {
  const g = globalThis as unknown as Record<string, unknown>;
  // hasOwn and propertyIsEnumerable do not materialise a lazy global; getOwnPropertyDescriptor does.
  if (!Object.hasOwn(globalThis, kind)) return false;
  const source = lazySourceOf(kind);
  if (source) {
    const enumerable = Object.prototype.propertyIsEnumerable.call(globalThis, kind);
    // Redefining a lazy data property in place materialises it; deleting it first does not.
    if (Reflect.deleteProperty(globalThis, kind)) {
      defineLazyGlobal(kind, source, enumerable);
      return true;
    }
  }
  const desc = Object.getOwnPropertyDescriptor(globalThis, kind);
  if (!desc) return false;
  if (desc.get) {
    // Node defines these lazily; keep it lazy so start-up does not load undici's WebSocket.
    const getter = desc.get;
    defineLazyGlobal(kind, () => getter.call(globalThis), desc.enumerable ?? false);
    return true;
  }
  const original = g[kind] as Ctor | undefined;
  if (typeof original !== 'function') return false;
  Object.defineProperty(globalThis, kind, { value: wrapConstructor(kind, original), writable: true, configurable: true, enumerable: desc.enumerable ?? false });
  return true;
}

export interface GlobalsInstalled { fetch: boolean; WebSocket: boolean; EventSource: boolean }

export function installGlobalHooks(): GlobalsInstalled {
  return {
    fetch: installFetch(),
    WebSocket: installConnectionGlobal('WebSocket'),
    EventSource: installConnectionGlobal('EventSource'),
  };
}
