// process.binding('tcp_wrap' | 'udp_wrap' | 'cares_wrap' | 'pipe_wrap'): the raw handles under
// net, dgram and dns. Code that reaches for them is walking around every other hook, so the
// call throws (it is synchronous). Node's own internals use internalBinding, which user code
// cannot reach without --expose-internals; `internal/test/binding` is refused by the module hook.
import { block } from '../block.js';

export const NETWORK_BINDINGS: readonly string[] = ['tcp_wrap', 'udp_wrap', 'cares_wrap', 'pipe_wrap', 'stream_wrap', 'tls_wrap', 'js_udp_wrap'];

type BindingFn = (name: string) => unknown;

export function installBindingHooks(): boolean {
  const proc = process as unknown as { binding?: BindingFn; _linkedBinding?: BindingFn };
  const original = proc.binding;
  if (typeof original !== 'function') return false;
  proc.binding = function binding(this: unknown, name: string) {
    if (typeof name === 'string' && NETWORK_BINDINGS.includes(name)) {
      const { error } = block({ kind: 'network', api: 'process.binding', target: name, shown: `internal binding '${name}'` });
      throw error;
    }
    return original.call(this, name);
  };
  return true;
}
