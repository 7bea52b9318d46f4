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
  /**
   * System converters (a program found on the machine): whether it can run here, and why not
   * (with the apt package to install). Absent for the JavaScript converters (always available).
   */
  available?: boolean;
  reason?: string;
  /** The program it runs, as detected at start-up. */
  tool?: { id: string; name: string; version: string | null; apt: string[] };
  /** Pairs it would convert if the missing part (a LibreOffice module, a codec) were installed. */
  unavailablePairs?: { from: FormatId; to: FormatId; reason: string }[];
}

export function supports(catalog: readonly ConverterInfo[], from: FormatId | null, to: FormatId, id?: string | null): boolean {
  return catalog.some((c) => (!id ? c.origin === 'builtin' : c.id === id) && c.pairs.some(([a, b]) => (from === null || a === from) && b === to));
}

/**
 * Why nothing available converts from→to although an uninstalled tool would: the first such
 * converter's reason (install hint), or null. Asked only after supports() said no.
 */
export function unavailableReason(catalog: readonly ConverterInfo[], from: FormatId | null, to: FormatId, id?: string | null): string | null {
  for (const c of catalog) {
    if (id && c.id !== id) continue;
    const hit = c.unavailablePairs?.find((p) => (from === null || p.from === from) && p.to === to);
    if (hit) return `${c.id}: ${hit.reason}`;
  }
  return null;
}
