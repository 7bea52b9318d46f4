// Bundled copies of the two start-up paths every jailed worker runs (scripts/bundle.mjs): the
// tripwire preload and the converter worker. The code is ours and the packages', unchanged; one
// file (or a few chunks) instead of ~200 modules makes a fresh worker's start about half as
// costly (issue #15; bench/convert.js section 3). A bundle is used only while each of our input
// files has the content it had when bundled: a `tsc` without the bundle step must not leave workers
// running yesterday's code. Without a current bundle, the modules run as tsc wrote them.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './version.js';

export type BundleName = 'worker' | 'tripwire';
export type BundleState = { script: string } | { unavailable: string };

/** dist/bundle/<name>: the bundle's files and its inputs.json. */
export function bundleDir(name: BundleName): string {
  return join(packageRoot, 'dist', 'bundle', name);
}

/** What scripts/bundle.mjs writes: the entry file and each of our input files' sha256. */
interface InputsFile { entry: string; inputs: Record<string, string> }

/** Is the bundle in `dir` there and built from the files now on disk (paths relative to `root`)? */
export function checkBundle(dir: string, root: string): BundleState {
  let meta: InputsFile;
  try {
    meta = JSON.parse(readFileSync(join(dir, 'inputs.json'), 'utf8')) as InputsFile;
  } catch {
    return { unavailable: 'not built (npm run build makes it; it needs the esbuild-wasm dev dependency)' };
  }
  if (typeof meta.entry !== 'string' || typeof meta.inputs !== 'object' || meta.inputs === null) return { unavailable: 'its inputs.json is not what scripts/bundle.mjs writes' };
  for (const [file, was] of Object.entries(meta.inputs)) {
    let now: string;
    try { now = createHash('sha256').update(readFileSync(join(root, file))).digest('hex'); } catch { return { unavailable: `stale: ${file} is gone since it was bundled (npm run build)` }; }
    if (now !== was) return { unavailable: `stale: ${file} changed since it was bundled (npm run build)` };
  }
  return { script: join(dir, meta.entry) };
}

const checked = new Map<BundleName, BundleState>();

/** The shipped bundle's state, checked once per process (hashing ~70 small files: a few ms). */
export function shippedBundle(name: BundleName): BundleState {
  let s = checked.get(name);
  if (!s) { s = checkBundle(bundleDir(name), packageRoot); checked.set(name, s); }
  return s;
}
