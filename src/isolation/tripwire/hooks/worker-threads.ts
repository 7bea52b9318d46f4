// worker_threads: a worker has its own module instances (its own net, dns, globals), so without
// this it would be unguarded. Every new Worker gets the tripwire preload in its execArgv; the
// worker's attempts come back to this thread over a BroadcastChannel (see report.ts).
import Module from 'node:module';
import workerThreads from 'node:worker_threads';
import { withTripwireExecArgv } from '../preload.js';

type WorkerCtor = typeof workerThreads.Worker;

export function installWorkerHook(): boolean {
  const wt = workerThreads as unknown as { Worker: WorkerCtor };
  const Original = wt.Worker;
  if (typeof Original !== 'function') return false;
  class Worker extends Original {
    constructor(filename: string | URL, options: workerThreads.WorkerOptions = {}) {
      super(filename, { ...options, execArgv: withTripwireExecArgv(options.execArgv ?? process.execArgv) });
    }
  }
  Object.defineProperty(Worker, 'name', { value: 'Worker' });
  wt.Worker = Worker;
  // ESM `import { Worker } from 'node:worker_threads'` reads the synced builtin exports.
  Module.syncBuiltinESMExports();
  return true;
}
