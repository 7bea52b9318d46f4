// worker_threads: a worker has its own module instances (its own net, dns, globals), so without
// this it would be unguarded. Every new Worker gets the tripwire preload in its execArgv; the
// worker's attempts come back to this thread over a BroadcastChannel (see report.ts).
import Module from 'node:module';
import workerThreads from 'node:worker_threads';
import { registerPath, withTripwireExecArgv } from '../preload.js';

/**
 * `--import` in execArgv runs for file workers only; an `eval: true` worker never sees it (Node
 * 20–26). Its source gets a first statement that loads register.js synchronously — written to
 * work in both CommonJS and ES-module eval code (no `require`, no top-level await).
 */
export function guardEvalSource(code: string): string {
  const p = JSON.stringify(registerPath);
  return `process.getBuiltinModule('node:module').createRequire(${p})(${p});\n${code}`;
}

type WorkerCtor = typeof workerThreads.Worker;

export function installWorkerHook(): boolean {
  const wt = workerThreads as unknown as { Worker: WorkerCtor };
  const Original = wt.Worker;
  if (typeof Original !== 'function') return false;
  class Worker extends Original {
    constructor(filename: string | URL, options: workerThreads.WorkerOptions = {}) {
      const source = options.eval && typeof filename === 'string' ? guardEvalSource(filename) : filename;
      super(source, { ...options, execArgv: withTripwireExecArgv(options.execArgv ?? process.execArgv) });
    }
  }
  Object.defineProperty(Worker, 'name', { value: 'Worker' });
  wt.Worker = Worker;
  // ESM `import { Worker } from 'node:worker_threads'` reads the synced builtin exports.
  Module.syncBuiltinESMExports();
  return true;
}
