// The tripwire's own files, found from wherever this code runs: as tsc wrote it
// (dist/src/isolation/tripwire/…, a file per module) or bundled (dist/bundle/tripwire/, where
// every entry point sits beside register.mjs under its own name; scripts/bundle.mjs).
import { basename } from 'node:path';

const BUNDLED = import.meta.url.endsWith('.mjs');

/** file:// URL of a tripwire file given by its path from the tripwire folder, e.g. './hooks/esm-loader.js'. */
export function tripwireFileUrl(fromTripwireDir: string): URL {
  return new URL(BUNDLED ? `./${basename(fromTripwireDir, '.js')}.mjs` : fromTripwireDir, import.meta.url);
}
