// The package version, read once from package.json (two levels above dist/src).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';

function findPackageJson(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const p = join(dir, 'package.json');
    try { readFileSync(p); return p; } catch { dir = dirname(dir); }
  }
  throw new Error('package.json not found');
}

/** Absolute path of the package root (where package.json, native/ and web/ live). */
export const packageRoot = dirname(findPackageJson());
export const version: string = (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
