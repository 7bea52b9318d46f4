// User converter plugins: every *.mjs / *.js file in the converters folder that exports
// `manifest` and `convert`. They are imported ONLY inside jailed workers (with the tripwire
// installed), never in the server, so a plugin that phones home is stopped and recorded.
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
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

export interface PluginLoadResult {
  converters: Converter[];
  errors: { file: string; message: string }[];
}

export async function loadPlugins(dir: string | undefined | null): Promise<PluginLoadResult> {
  const out: PluginLoadResult = { converters: [], errors: [] };
  if (!dir || !existsSync(dir)) return out;
  for (const file of readdirSync(dir).sort()) {
    if (!/\.(mjs|js)$/.test(file)) continue;
    try {
      const mod = (await import(pathToFileURL(join(dir, file)).href)) as { default?: unknown; manifest?: unknown; convert?: unknown };
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
