// CommonJS loading (Module._load): refuse P2P/WebRTC/discovery packages and the test-only
// internal binding loader. require() is synchronous, so the refusal is a throw — the same shape
// as a missing module, with our code.
import Module from 'node:module';
import { block } from '../block.js';
import { p2pPackageOf } from '../p2p.js';

type LoadFn = (request: string, parent: unknown, isMain: boolean) => unknown;

export function installCjsModuleHook(): boolean {
  const M = Module as unknown as { _load?: LoadFn };
  const original = M._load;
  if (typeof original !== 'function') return false;
  M._load = function load(this: unknown, request: string, parent: unknown, isMain: boolean) {
    if (typeof request === 'string') {
      const pkg = p2pPackageOf(request);
      if (pkg) {
        const { error } = block({ kind: 'p2p', api: 'require', target: pkg, shown: `P2P module "${pkg}"` });
        throw error;
      }
      if (request === 'internal/test/binding') {
        const { error } = block({ kind: 'network', api: 'require', target: request, shown: 'internal bindings' });
        throw error;
      }
    }
    return original.call(this, request, parent, isMain);
  };
  return true;
}
