// Spread package scans over worker threads (parsing is CPU-bound; one core per worker).
// Largest packages go first so that one huge bundle does not finish last on its own.
import { Worker } from 'node:worker_threads';
import { scanPackage, type PackageScanResult, type PackageScanTask } from './package.js';

export async function scanPackages(tasks: PackageScanTask[], jobs: number, sizeOf: (t: PackageScanTask) => number): Promise<PackageScanResult[]> {
  if (jobs <= 1 || tasks.length < 2) return tasks.map(scanPackage);
  const queue = [...tasks].sort((a, b) => sizeOf(b) - sizeOf(a));
  const results: PackageScanResult[] = [];
  const workerUrl = new URL('./worker.js', import.meta.url);
  const runOne = (): Promise<void> => new Promise((resolve, reject) => {
    const w = new Worker(workerUrl);
    const next = (): void => {
      const t = queue.shift();
      if (!t) { void w.terminate().then(() => resolve()); return; }
      w.postMessage(t);
    };
    w.on('message', (r: PackageScanResult) => { results.push(r); next(); });
    w.on('error', reject);
    w.on('exit', (code) => { if (code !== 0 && code !== 1) reject(new Error(`audit worker exited with ${code}`)); });
    next();
  });
  await Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, runOne));
  return results.sort((a, b) => a.index - b.index);
}
