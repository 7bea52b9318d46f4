// Extra arguments for a jailed Node child: the permission model (only what the caller grants)
// and the tripwire preload.
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../../version.js';
import { shippedBundle } from '../../bundles.js';
import type { JailSpawnOptions } from './types.js';

/** The tripwire preload as tsc wrote it (its modules one by one). */
export const tripwireRegisterPath = join(packageRoot, 'dist', 'src', 'isolation', 'tripwire', 'register.js');

/** The preload a jailed Node gets: the bundled tripwire (one file, half the start-up CPU) while it is current, else the modules. */
export function tripwirePreloadPath(): string {
  const b = shippedBundle('tripwire');
  return 'script' in b ? b.script : tripwireRegisterPath;
}

/** `node`, `node26`, `nodejs`, or the running binary. */
export function looksLikeNode(command: string): boolean {
  return command === process.execPath || /^node(js)?\d*(\.exe)?$/.test(basename(command));
}

export function permissionArgs(perm: NonNullable<JailSpawnOptions['nodePermission']>, allowWrite: string[], extraReads: string[]): string[] {
  const reads = perm.allowFsRead ?? ['*'];
  const writes = perm.allowFsWrite ?? allowWrite;
  const args = ['--permission'];
  for (const r of reads.includes('*') ? ['*'] : [...reads, ...extraReads]) args.push(`--allow-fs-read=${r}`);
  for (const w of writes) args.push(`--allow-fs-write=${w}`);
  if (perm.allowChildProcess) args.push('--allow-child-process');
  if (perm.allowWorker) args.push('--allow-worker');
  if (perm.allowAddons) args.push('--allow-addons');
  return args;
}

export function tripwireArgs(): string[] | null {
  const p = tripwirePreloadPath();
  if (!existsSync(p)) return null;
  return ['--import', pathToFileURL(p).href];
}

/** Folders a restricted fs-read grant must include for the tripwire preload to load. */
export function tripwireReadPaths(): string[] {
  const p = tripwirePreloadPath();
  // The modules import each other across dist/src/isolation; the bundle is one folder.
  return [p === tripwireRegisterPath ? dirname(dirname(p)) : dirname(p)];
}
