// dns and dns/promises: lookup, lookupService, every resolve*, reverse, and both Resolver
// classes (prototype AND the exported functions, which are pre-bound copies). A lookup of an IP
// literal sends no query and stays allowed (net.Server.listen uses it); "localhost" is answered
// here with the loopback addresses (RFC 6761) so no resolver is ever asked. Callback APIs get
// the error on a later tick; promise APIs reject.
import dns from 'node:dns';
import { isIP } from 'node:net';
import { block } from '../block.js';

type AnyFn = (...args: unknown[]) => unknown;

function isLocalhostName(h: string): boolean {
  const n = h.toLowerCase().replace(/\.$/, '');
  return n === 'localhost' || n.endsWith('.localhost');
}

interface LookupOpts { family: number; all: boolean }
function lookupOptions(opt: unknown): LookupOpts {
  if (typeof opt === 'number') return { family: opt, all: false };
  if (opt && typeof opt === 'object') {
    const o = opt as { family?: unknown; all?: unknown };
    const family = o.family === 'IPv4' ? 4 : o.family === 'IPv6' ? 6 : typeof o.family === 'number' ? o.family : 0;
    return { family, all: o.all === true };
  }
  return { family: 0, all: false };
}

type LookupAnswer = { address: string; family: number };
function localhostAnswer(opts: LookupOpts): LookupAnswer | LookupAnswer[] {
  const all: LookupAnswer[] = [{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }]
    .filter((a) => opts.family === 0 || a.family === opts.family);
  return opts.all ? all : (all[0] ?? { address: '127.0.0.1', family: 4 });
}

function dnsBlock(api: string, host: string | undefined, port?: number) {
  const { error } = block({
    kind: 'dns',
    api,
    ...(host !== undefined ? { host } : {}),
    ...(port !== undefined ? { port } : {}),
    protocol: 'dns',
    shown: host ?? '(resolver)',
  });
  error.syscall = api.includes('lookup') ? 'getaddrinfo' : 'query';
  return error;
}

function lastCallback(args: unknown[]): AnyFn | undefined {
  const cb = args[args.length - 1];
  return typeof cb === 'function' ? (cb as AnyFn) : undefined;
}

function patchCallbackLookup(target: Record<string, unknown>, apiPrefix: string): void {
  const lookup = target.lookup as AnyFn;
  target.lookup = function lookupHook(this: unknown, ...args: unknown[]) {
    const host = args[0];
    if (typeof host !== 'string' || host === '' || isIP(host)) return lookup.apply(this, args);
    const cb = lastCallback(args);
    if (isLocalhostName(host) && cb) {
      const opts = lookupOptions(args.length > 2 ? args[1] : undefined);
      const ans = localhostAnswer(opts);
      process.nextTick(() => (Array.isArray(ans) ? cb(null, ans) : cb(null, ans.address, ans.family)));
      return {};
    }
    const err = dnsBlock(`${apiPrefix}lookup`, host);
    if (!cb) throw err; // Node would throw ERR_INVALID_ARG_TYPE synchronously: still a throw
    process.nextTick(() => cb(err));
    return {};
  };
  target.lookupService = function lookupServiceHook(...args: unknown[]) {
    const err = dnsBlock(`${apiPrefix}lookupService`, String(args[0]), typeof args[1] === 'number' ? args[1] : undefined);
    const cb = lastCallback(args);
    if (!cb) throw err;
    process.nextTick(() => cb(err));
  };
}

function patchPromiseLookup(target: Record<string, unknown>): void {
  const lookup = target.lookup as AnyFn;
  target.lookup = function lookupHook(this: unknown, ...args: unknown[]) {
    const host = args[0];
    if (typeof host !== 'string' || host === '' || isIP(host)) return lookup.apply(this, args);
    if (isLocalhostName(host)) return Promise.resolve(localhostAnswer(lookupOptions(args[1])));
    return Promise.reject(dnsBlock('dns.promises.lookup', host));
  };
  target.lookupService = function lookupServiceHook(...args: unknown[]) {
    return Promise.reject(dnsBlock('dns.promises.lookupService', String(args[0]), typeof args[1] === 'number' ? args[1] : undefined));
  };
}

function resolverMethodNames(proto: object): string[] {
  return Object.getOwnPropertyNames(proto).filter((n) => n === 'reverse' || n.startsWith('resolve'));
}

function patchResolverFns(target: Record<string, unknown>, names: string[], api: (n: string) => string, promises: boolean): void {
  for (const name of names) {
    if (typeof target[name] !== 'function') continue;
    target[name] = function resolverHook(...args: unknown[]) {
      const host = typeof args[0] === 'string' ? args[0] : undefined;
      const err = dnsBlock(api(name), host);
      if (promises) return Promise.reject(err);
      const cb = lastCallback(args);
      if (!cb) throw err;
      process.nextTick(() => cb(err));
      return undefined;
    };
  }
}

export function installDnsHooks(): boolean {
  const cbProto = dns.Resolver.prototype as unknown as Record<string, unknown>;
  const prProto = dns.promises.Resolver.prototype as unknown as Record<string, unknown>;
  const cbNames = resolverMethodNames(cbProto);
  const prNames = resolverMethodNames(prProto);
  patchResolverFns(cbProto, cbNames, (n) => `dns.Resolver.${n}`, false);
  patchResolverFns(prProto, prNames, (n) => `dns.promises.Resolver.${n}`, true);
  const mod = dns as unknown as Record<string, unknown>;
  const prom = dns.promises as unknown as Record<string, unknown>;
  patchResolverFns(mod, cbNames, (n) => `dns.${n}`, false);
  patchResolverFns(prom, prNames, (n) => `dns.promises.${n}`, true);
  patchCallbackLookup(mod, 'dns.');
  patchPromiseLookup(prom);
  return true;
}
