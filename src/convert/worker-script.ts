// Which script a worker runs. Built-in families (families.ts isBuiltinFamily) run the bundled
// worker (src/bundles.ts: the same code in a few files, so a fresh worker spends about half the
// import CPU). Plugin and 'all' workers run the modules as tsc wrote them, so a user's converter
// meets the package as it is (its own `zod`, `instanceof` against our exports).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MODULES_WORKER = join(dirname(fileURLToPath(import.meta.url)), 'worker.js');
