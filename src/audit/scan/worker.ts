// Worker thread: scans the packages it is handed, one message per package. Reads files only.
import { parentPort } from 'node:worker_threads';
import { scanPackage, type PackageScanTask } from './package.js';

parentPort?.on('message', (task: PackageScanTask) => {
  parentPort?.postMessage(scanPackage(task));
});
