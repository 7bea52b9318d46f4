// Worker threads started inside a converter worker (tesseract.js runs its engine in one) get a
// small V8 code range.
//
// Why: on Node 26 (measured; Node 22 does not) every isolate maps its 512 MiB code range
// read-write-execute up front instead of reserving it PROT_NONE. The reservation is untouched
// memory, but a private writable mapping, so RLIMIT_DATA (the jail's memory cap, chosen because
// it counts memory really used and not V8's huge PROT_NONE reservations) counts all of it. With
// the main isolate's 512 MiB plus another 512 MiB for the OCR thread, an OCR job on Node 26 hit
// the cap (OUT_OF_MEMORY at 512 MiB heap + 768 MiB headroom) while using ~250 MiB. The main
// isolate's share is measured and added to the cap by the pool (node-baseline.ts); a thread's
// is bounded here with resourceLimits.codeRangeSizeMb: converter code never needs more.
import Module from 'node:module';
import workerThreads from 'node:worker_threads';

/** JIT code space for a worker thread inside a converter worker, MiB. */
export const THREAD_CODE_RANGE_MB = 64;

type WorkerCtor = typeof workerThreads.Worker;

/** Give every Worker created from now on a code range of THREAD_CODE_RANGE_MB (unless it asks for less). */
export function capThreadCodeRange(mb = THREAD_CODE_RANGE_MB): void {
  const wt = workerThreads as unknown as { Worker: WorkerCtor };
  // The current constructor may already be the tripwire's (which adds its preload): keep it.
  const Current = wt.Worker;
  if (typeof Current !== 'function') return;
  class Worker extends Current {
    constructor(filename: string | URL, options: workerThreads.WorkerOptions = {}) {
      const asked = options.resourceLimits?.codeRangeSizeMb;
      super(filename, { ...options, resourceLimits: { ...options.resourceLimits, codeRangeSizeMb: asked && asked < mb ? asked : mb } });
    }
  }
  Object.defineProperty(Worker, 'name', { value: 'Worker' });
  wt.Worker = Worker;
  // ESM `import { Worker } from 'node:worker_threads'` reads the synced builtin exports.
  Module.syncBuiltinESMExports();
}
