// ESM loading: a resolve hook that refuses P2P packages. Capability check, not a version check:
// module.registerHooks (Node 22.15+/23.5+: synchronous, in this thread) when it exists, else
// module.register (Node 20.6+: hooks on the loader thread, attempts come back over a port).
import Module from 'node:module';
import { MessageChannel } from 'node:worker_threads';
import { block } from '../block.js';
import { p2pPackageOf } from '../p2p.js';
import { packageFromPath } from '../attribution.js';
import { NetworkBlockedError } from '../errors.js';
import { tripwireFileUrl } from '../own-files.js';
import type { P2PImportMessage } from './esm-loader.js';

interface ResolveContext { parentURL?: string; conditions?: readonly string[] }
interface ResolveResult { url: string }
type SyncNextResolve = (specifier: string, context?: ResolveContext) => ResolveResult;
interface RegisterHooksApi {
  registerHooks?: (hooks: { resolve: (s: string, c: ResolveContext, next: SyncNextResolve) => ResolveResult }) => unknown;
  register?: (specifier: string, parentURL: string | URL, options?: { data?: unknown; transferList?: unknown[] }) => void;
}

function blockImport(pkg: string, parentURL: string | undefined, api: 'import' | 'require' = 'import'): NetworkBlockedError {
  const culprit = parentURL ? packageFromPath(parentURL) : 'app';
  const { error } = block({
    kind: 'p2p', api, target: pkg, shown: `P2P module "${pkg}"`,
    package: culprit, ...(parentURL ? { stackTop: parentURL } : {}),
  });
  return error;
}

export type EsmHookKind = 'registerHooks' | 'register' | null;

export function installEsmModuleHook(): EsmHookKind {
  const api = Module as unknown as RegisterHooksApi;
  if (typeof api.registerHooks === 'function') {
    api.registerHooks({
      resolve(specifier, context, nextResolve) {
        let pkg = p2pPackageOf(specifier);
        if (!pkg) {
          const resolved = nextResolve(specifier, context);
          pkg = p2pPackageOf(resolved.url);
          if (!pkg) return resolved;
        }
        // registerHooks also sees require()/require.resolve (conditions include 'require').
        throw blockImport(pkg, context.parentURL, context.conditions?.includes('require') ? 'require' : 'import');
      },
    });
    return 'registerHooks';
  }
  if (typeof api.register === 'function') {
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (m: P2PImportMessage) => { blockImport(m.pkg, m.parentURL); });
    port1.unref();
    api.register(tripwireFileUrl('./hooks/esm-loader.js').href, import.meta.url, { data: { port: port2 }, transferList: [port2] });
    return 'register';
  }
  return null;
}
