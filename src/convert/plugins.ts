// User converter plugins: every *.mjs / *.js file in the converters folder that exports
// `manifest` and `convert`. They are imported ONLY inside jailed workers (with the tripwire
// installed), never in the server, so a plugin that phones home is stopped and recorded.
//
// Plugins are code we run with the user's rights (the jail does not stop every read on every
// Node version), so only the user's own code is imported: the folder must be the user's and not
// writable by group or others (a folder anyone can write is refused as a whole), and each file
// must be a regular file (no symlink) of the user's, not writable by group or others — the same
// rules as the data dir (config/data-dir.ts), but for its parent folders. A refused file is never imported; the reason is in
// the worker's plugin errors, and the server records it as a `plugin_refused` event at start.
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { checkPrivateFolder, fileProblem, DataDirError } from '../config/index.js';
import type { NewSecurityEvent } from '../events/index.js';
import type { Converter } from './types.js';
import { isFormatId } from './formats.js';

function isConverter(m: unknown): m is Converter {
  const c = m as Partial<Converter> | null;
  const man = c?.manifest;
  return !!c && typeof c.convert === 'function' && !!man && typeof man.id === 'string' && /^[a-z0-9][a-z0-9-]{0,62}$/.test(man.id)
    && Array.isArray(man.from) && man.from.every((f) => isFormatId(f))
    && Array.isArray(man.to) && man.to.every((f) => isFormatId(f))
    && (man.options === undefined || typeof (man.options as { safeParse?: unknown }).safeParse === 'function');
}

/** Plugins cannot always import zod from their folder; without a schema, options are a plain record. */
const ANY_OPTIONS = z.record(z.string(), z.unknown());

export interface PluginError { file: string; message: string }

export interface PluginLoadResult {
  converters: Converter[];
  errors: PluginError[];
}

const PLUGIN_FILE = /\.(mjs|js)$/;
// No parent-folder check: a jailed worker may not stat folders outside its read grant, and the
// server and the worker must decide alike; the owner checks below catch a swapped-in folder.
const CONVERTERS_FOLDER = { label: 'converters folder', plants: 'a converter plugin', option: '--converters', ancestors: false };

/** Which plugin files of `dir` may be imported, and why the others may not. Imports nothing. */
export function inspectPluginDir(dir: string | undefined | null): { files: string[]; refused: PluginError[] } {
  if (!dir || !existsSync(dir)) return { files: [], refused: [] };
  try {
    checkPrivateFolder(dir, CONVERTERS_FOLDER);
  } catch (e) {
    if (!(e instanceof DataDirError)) throw e;
    let names: string[] = [];
    try { names = readdirSync(dir).filter((f) => PLUGIN_FILE.test(f)).sort(); } catch {}
    const message = `not loaded: ${e.message}`;
    return { files: [], refused: names.length ? names.map((file) => ({ file, message })) : [{ file: '.', message }] };
  }
  const files: string[] = [];
  const refused: PluginError[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!PLUGIN_FILE.test(file)) continue;
    const problem = fileProblem(join(dir, file));
    if (problem) refused.push({ file, message: `not loaded: ${problem}` });
    else files.push(file);
  }
  return { files, refused };
}

/** The security events for refused plugins (recorded by the server at start). */
export function pluginRefusalEvents(dir: string | undefined | null): NewSecurityEvent[] {
  return inspectPluginDir(dir).refused.map((r) => ({
    type: 'plugin_refused',
    severity: 'warning',
    // 'plugin', not 'file': the event privacy filter drops file-name keys (meant for users' documents);
    // a plugin's file name is the user's configuration and says which file to fix.
    details: { dir: dir ?? null, plugin: r.file, reason: r.message.replace(/^not loaded: /, '') },
    dedupKey: `${dir}:${r.file}`,
  }));
}

export async function loadPlugins(dir: string | undefined | null): Promise<PluginLoadResult> {
  const { files, refused } = inspectPluginDir(dir);
  const out: PluginLoadResult = { converters: [], errors: [...refused] };
  for (const file of files) {
    try {
      const mod = (await import(pathToFileURL(join(dir as string, file)).href)) as { default?: unknown; manifest?: unknown; convert?: unknown };
      const cand = mod.manifest ? { manifest: mod.manifest, convert: mod.convert } : mod.default;
      if (!isConverter(cand)) { out.errors.push({ file, message: 'does not export a valid { manifest, convert }' }); continue; }
      if (!cand.manifest.options) cand.manifest = { ...cand.manifest, options: ANY_OPTIONS };
      out.converters.push(cand);
    } catch (e) {
      out.errors.push({ file, message: (e as Error).message });
    }
  }
  return out;
}
