// The converter registry of one worker: built-ins plus the user's plugin modules. It only ever
// lives inside a jailed worker process — the server never imports converter code; it learns
// what is available from the catalog each worker reports when it is ready.
import { z } from 'zod';
import type { Converter } from './types.js';
import type { ConverterInfo } from './catalog.js';
import { ConvertError } from './errors.js';
import type { FormatId } from './formats.js';

export function pairsOf(c: Converter): [FormatId, FormatId][] {
  if (c.manifest.pairs) return c.manifest.pairs.map(([a, b]) => [a, b]);
  return c.manifest.from.flatMap((f) => c.manifest.to.map((t) => [f, t] as [FormatId, FormatId]));
}

export function describe(c: Converter, origin: 'builtin' | 'plugin'): ConverterInfo {
  let schema: unknown = null;
  try { schema = z.toJSONSchema(c.manifest.options); } catch { schema = null; }
  const m = c.manifest;
  if (!m.availability || !m.tool) return { id: m.id, title: m.title, origin, pairs: pairsOf(c), options: schema };
  // A system converter lists the pairs it can run here; the others, with the reason, apart.
  const pairs: [FormatId, FormatId][] = [];
  const unavailablePairs: { from: FormatId; to: FormatId; reason: string }[] = [];
  for (const [a, b] of pairsOf(c)) {
    const r = m.availability(a, b);
    if (r.ok) pairs.push([a, b]); else unavailablePairs.push({ from: a, to: b, reason: r.reason });
  }
  const { id, name, version, apt, available, reason } = m.tool();
  return { id: m.id, title: m.title, origin, pairs, options: schema, available, reason, tool: { id, name, version, apt }, ...(unavailablePairs.length ? { unavailablePairs } : {}) };
}

function canRun(c: Converter, from: FormatId, to: FormatId): { ok: true } | { ok: false; reason: string } {
  return c.manifest.availability ? c.manifest.availability(from, to) : { ok: true };
}

export class ConverterRegistry {
  private readonly byId = new Map<string, { c: Converter; origin: 'builtin' | 'plugin' }>();

  constructor(builtins: readonly Converter[], plugins: readonly Converter[] = []) {
    for (const c of builtins) this.byId.set(c.manifest.id, { c, origin: 'builtin' });
    for (const c of plugins) {
      if (this.byId.has(c.manifest.id)) throw new Error(`converter plugin id '${c.manifest.id}' is already taken`);
      this.byId.set(c.manifest.id, { c, origin: 'plugin' });
    }
  }

  catalog(): ConverterInfo[] {
    return [...this.byId.values()].map(({ c, origin }) => describe(c, origin));
  }

  /** The converter for from→to: the named one (which must support the pair), else the first built-in that does. */
  find(from: FormatId, to: FormatId, id?: string | null): Converter {
    if (id) {
      const hit = this.byId.get(id);
      if (!hit) throw new ConvertError('NO_CONVERTER', `no converter named '${id}'`);
      if (!pairsOf(hit.c).some(([a, b]) => a === from && b === to)) throw new ConvertError('NO_CONVERTER', `converter '${id}' cannot convert ${from} to ${to}`);
      const r = canRun(hit.c, from, to);
      if (!r.ok) throw new ConvertError('UNAVAILABLE', `converter '${id}' cannot run here: ${r.reason}`, { converter: id });
      return hit.c;
    }
    let missing: { id: string; reason: string } | null = null;
    for (const { c, origin } of this.byId.values()) {
      // Plugins are used only when asked for by name: a user module never silently replaces a built-in.
      if (origin !== 'builtin' || !pairsOf(c).some(([a, b]) => a === from && b === to)) continue;
      const r = canRun(c, from, to);
      if (r.ok) return c;
      missing ??= { id: c.manifest.id, reason: r.reason };
    }
    if (missing) throw new ConvertError('UNAVAILABLE', `${from} to ${to} needs '${missing.id}', which cannot run here: ${missing.reason}`, { converter: missing.id });
    throw new ConvertError('NO_CONVERTER', `no converter turns ${from} into ${to}`);
  }

  /** Validate raw options with the converter's schema; INVALID_OPTIONS names the key. */
  parseOptions(c: Converter, raw: unknown): unknown {
    const r = c.manifest.options.safeParse(raw ?? {});
    if (!r.success) {
      const issues = r.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`);
      throw new ConvertError('INVALID_OPTIONS', `invalid options for '${c.manifest.id}': ${issues.join('; ')}`, { issues });
    }
    return r.data;
  }
}
