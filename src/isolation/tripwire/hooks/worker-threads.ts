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

/**
 * A worker's explicit execArgv may not carry process-wide V8 options (Worker throws
 * ERR_WORKER_INVALID_EXEC_ARGV for e.g. --max-old-space-size); those apply to every thread anyway.
 * Inherited flags are filtered, so a parent started with a heap cap can still start workers.
 */
const PROCESS_WIDE_FLAG = /^--(max-old-space-size|max-semi-space-size|max-heap-size|stack-size|v8-pool-size|expose-gc|expose_gc)(=|$)/;

function workerExecArgv(explicit: readonly string[] | undefined): string[] {
  const base = explicit ?? process.execArgv.filter((a) => !PROCESS_WIDE_FLAG.test(a));
  return withTripwireExecArgv(base);
}

export function installWorkerHook(): boolean {
  const wt = workerThreads as unknown as { Worker: WorkerCtor };
  const Original = wt.Worker;
  if (typeof Original !== 'function') return false;
  class Worker extends Original {
    constructor(filename: string | URL, options: workerThreads.WorkerOptions = {}) {
      const source = options.eval && typeof filename === 'string' ? guardEvalSource(filename) : filename;
      super(source, { ...options, execArgv: workerExecArgv(options.execArgv) });
    }
  }
  Object.defineProperty(Worker, 'name', { value: 'Worker' });
  wt.Worker = Worker;
  // ESM `import { Worker } from 'node:worker_threads'` reads the synced builtin exports.
  Module.syncBuiltinESMExports();
  return true;
}
