// Where "our code" starts: the audited project's own entry points from its package.json
// (bin, main, every `exports` target), or the files given with --entry.
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PackageManifest } from '../types.js';
import { exportsTargets, resolveFile } from './resolve.js';

interface EntryManifest extends PackageManifest { main?: unknown; bin?: unknown; exports?: unknown }

function allExportTargets(exp: unknown): string[] {
  if (!exp || typeof exp !== 'object' || Array.isArray(exp)) return exportsTargets(exp, '.');
  const keys = Object.keys(exp);
  if (keys.every((k) => !k.startsWith('.'))) return exportsTargets(exp, '.');
  // Pattern keys ('./x/*') are not expanded: their files are reached through the code instead.
  return keys.filter((k) => !k.includes('*')).flatMap((k) => exportsTargets(exp, k));
}

/** Entry files of the project at `rootDir`; empty when its package.json names none. */
export function defaultEntries(rootDir: string, manifest: PackageManifest): string[] {
  const m = manifest as EntryManifest;
  const named: string[] = [];
  if (typeof m.main === 'string') named.push(m.main);
  if (typeof m.bin === 'string') named.push(m.bin);
  else if (m.bin && typeof m.bin === 'object') for (const v of Object.values(m.bin)) if (typeof v === 'string') named.push(v);
  named.push(...allExportTargets(m.exports));
  const out = new Set<string>();
  for (const n of named) {
    const f = resolveFile(resolve(rootDir, n));
    if (f && /\.(?:c|m)?js$/.test(f)) out.add(realpathSync(f));
  }
  return [...out];
}

/** --entry arguments: files (or folders, resolved like a require of the folder). */
export function explicitEntries(rootDir: string, paths: readonly string[]): string[] {
  return paths.map((p) => {
    const f = resolveFile(resolve(rootDir, p));
    if (!f) throw new Error(`entry ${p} does not exist`);
    return realpathSync(f);
  });
}
