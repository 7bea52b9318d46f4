// ESM resolve hook for module.register() (Node 20.6+; runs on Node's loader thread). It refuses
// P2P packages by specifier and by resolved URL and tells the main thread over the port it was
// given, so the attempt is recorded there with the importer as the culprit.
import type { MessagePort } from 'node:worker_threads';
import { p2pPackageOf } from '../p2p.js';
import { NETWORK_BLOCKED_CODE } from '../types.js';
import { packageFromPath } from '../attribution.js';

interface ResolveContext { parentURL?: string }
type NextResolve = (specifier: string, context?: ResolveContext) => { url: string } | Promise<{ url: string }>;

export interface P2PImportMessage { specifier: string; pkg: string; parentURL?: string }

let port: MessagePort | undefined;

export function initialize(data: { port?: MessagePort } | undefined): void {
  port = data?.port;
}

export function blockedImportError(pkg: string, parentURL: string | undefined): Error & { code: string } {
  const culprit = parentURL ? packageFromPath(parentURL) : 'app';
  const e = new Error(`Network access blocked by Hermetic: import to P2P module "${pkg}" (from package "${culprit}")`) as Error & { code: string };
  e.code = NETWORK_BLOCKED_CODE;
  return e;
}

export async function resolve(specifier: string, context: ResolveContext, nextResolve: NextResolve): Promise<{ url: string }> {
  let pkg = p2pPackageOf(specifier);
  if (!pkg) {
    const resolved = await nextResolve(specifier, context);
    pkg = p2pPackageOf(resolved.url);
    if (!pkg) return resolved;
  }
  const msg: P2PImportMessage = { specifier, pkg, ...(context.parentURL ? { parentURL: context.parentURL } : {}) };
  port?.postMessage(msg);
  throw blockedImportError(pkg, context.parentURL);
}
