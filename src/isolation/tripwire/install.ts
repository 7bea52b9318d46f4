// install(): put every hook in place once per thread (a second call only adds allow-list
// entries), report which hooks and witnesses are really active, and let the host listen.
import dgram from 'node:dgram';
import Module from 'node:module';
import type { TripwireOptions, TripwireStatus } from './types.js';
import { applyOptions, state, type AttemptListener } from './state.js';
import { listenForWorkerAttempts } from './report.js';
import { installNetConnectHook } from './hooks/net-connect.js';
import { installDnsHooks } from './hooks/dns.js';
import { installDgramHooks } from './hooks/dgram.js';
import { installGlobalHooks } from './hooks/globals.js';
import { installBindingHooks } from './hooks/bindings.js';
import { installChildProcessHooks } from './hooks/child-process.js';
import { installCjsModuleHook } from './hooks/modules-cjs.js';
import { installEsmModuleHook } from './hooks/modules-esm.js';
import { installWorkerHook } from './hooks/worker-threads.js';
import { installDiagnosticsWitness } from './witness/diagnostics.js';

function attempt(name: string, fn: () => boolean): void {
  const s = state();
  try {
    s.hooks[name] = fn();
    if (!s.hooks[name]) s.notes[name] ??= 'not present on this Node';
  } catch (e) {
    s.hooks[name] = false;
    s.notes[name] = `failed to install: ${(e as Error).message}`;
  }
}

export function install(options: TripwireOptions = {}): TripwireStatus {
  const s = state();
  applyOptions(options);
  if (s.installed) return status();
  s.installed = true;

  attempt('net.Socket.connect', installNetConnectHook);
  attempt('dns', installDnsHooks);
  attempt('dgram', installDgramHooks);
  const globals = installGlobalHooks();
  s.hooks.fetch = globals.fetch;
  s.hooks.WebSocket = globals.WebSocket;
  s.hooks.EventSource = globals.EventSource;
  for (const k of ['fetch', 'WebSocket', 'EventSource'] as const) {
    if (!globals[k]) s.notes[k] = 'global not present on this Node (nothing to guard)';
  }
  attempt('process.binding', installBindingHooks);
  attempt('child_process', installChildProcessHooks);
  attempt('require', installCjsModuleHook);
  const esm = installEsmModuleHook();
  s.hooks.import = esm !== null;
  s.notes.import = esm === null ? 'no module.register/registerHooks on this Node' : `via module.${esm}`;
  attempt('worker_threads', installWorkerHook);
  // Builtin ESM named exports (import { lookup } from 'node:dns') follow the patched objects.
  Module.syncBuiltinESMExports();
  listenForWorkerAttempts();

  const proto = dgram.Socket.prototype as unknown as { send: unknown; bind: unknown };
  try {
    Object.assign(s.witnesses, installDiagnosticsWitness(s.hooks.dgram ? { send: proto.send, bind: proto.bind } : null));
  } catch (e) {
    s.notes.diagnostics_channel = `failed: ${(e as Error).message}`;
  }
  // Node >= 25.8 publishes --permission-audit events; not subscribed yet (reported, not claimed).
  s.witnesses['permission-audit'] = false;
  s.notes['permission-audit'] = 'not implemented in this build';
  return status();
}

export function status(): TripwireStatus & { notes: Record<string, string>; allowLoopbackPorts: number[]; allowUnixPaths: string[] } {
  const s = state();
  return {
    installed: s.installed,
    hooks: { ...s.hooks },
    witnesses: { ...s.witnesses },
    attempts: s.attempts,
    notes: { ...s.notes },
    allowLoopbackPorts: [...s.allowLoopbackPorts],
    allowUnixPaths: [...s.allowUnixPaths],
  };
}

/** Subscribe to every attempt in this process (including its worker threads). Returns an unsubscribe function. */
export function onAttempt(fn: AttemptListener): () => void {
  const s = state();
  s.listeners.add(fn);
  return () => { s.listeners.delete(fn); };
}
