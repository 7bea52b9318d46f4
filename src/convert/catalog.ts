// What the server knows about converters: plain data reported by a ready worker (it never
// imports converter code itself). Used to list converters and to refuse impossible requests
// before a worker is spent on them.
import type { FormatId } from './formats.js';

export interface ConverterInfo {
  id: string;
  title: string;
  origin: 'builtin' | 'plugin';
  pairs: [FormatId, FormatId][];
  /** JSON Schema of the options (from the zod schema), or null when it cannot be expressed. */
  options: unknown;
}

export function supports(catalog: readonly ConverterInfo[], from: FormatId | null, to: FormatId, id?: string | null): boolean {
  return catalog.some((c) => (!id ? c.origin === 'builtin' : c.id === id) && c.pairs.some(([a, b]) => (from === null || a === from) && b === to));
}
