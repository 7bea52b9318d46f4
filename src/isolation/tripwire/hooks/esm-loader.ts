// ESM resolve hook for module.register() (Node 20.6+; runs on Node's loader thread). It refuses
// P2P packages by specifier and by resolved URL and tells the main thread over the port it was
// given, so the attempt is recorded there with the importer as the culprit.
// Cost matters here: the loader thread boots for every Node process and worker thread, so this
// file imports only the P2P matcher; what a block needs (attribution, the error code) is loaded
// when a block happens, never on the path every import takes.
import type { MessagePort } from 'node:worker_threads';
import { p2pPackageOf } from '../p2p.js';

interface ResolveContext { parentURL?: string }
type NextResolve = (specifier: string, context?: ResolveContext) => { url: string } | Promise<{ url: string }>;

export interface P2PImportMessage { specifier: string; pkg: string; parentURL?: string }

let port: MessagePort | undefined;

export function initialize(data: { port?: MessagePort } | undefined): void {
  port = data?.port;
}

export async function blockedImportError(pkg: string, parentURL: string | undefined): Promise<Error & { code: string }> {
  const [{ packageFromPath }, { NETWORK_BLOCKED_CODE }] = await Promise.all([import('../attribution.js'), import('../types.js')]);
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
  throw await blockedImportError(pkg, context.parentURL);
}
