// Find Hermetic's chain in `iptables-save -c` / `ip6tables-save -c` output and say what it drops.
import { IPT_CHAIN } from '../constants.js';
import type { LoadedRuleset } from '../types.js';

/** `[packets:bytes] -A CHAIN ...` → its parts (counters are present with -c). */
function splitRule(line: string): { packets: number; bytes: number; rule: string } | null {
  const m = /^(?:\[(\d+):(\d+)\]\s+)?(-A\s.*)$/.exec(line.trim());
  if (!m) return null;
  return { packets: Number(m[1] ?? 0), bytes: Number(m[2] ?? 0), rule: m[3] ?? '' };
}

/** null when the filter table has no HERMETIC-OUT chain that drops and is jumped to. */
export function parseIptablesSave(text: string, source: 'iptables' | 'ip6tables'): LoadedRuleset | null {
  let inFilter = false;
  const uids = new Set<number>();
  let drops = false;
  let counted = false;
  let packets = 0;
  let bytes = 0;
  const jumpRe = new RegExp(`^-A OUTPUT\\b.*--uid-owner (\\d+)\\b.*-j ${IPT_CHAIN}\\b`);
  const dropRe = new RegExp(`^-A ${IPT_CHAIN}\\b.*-j DROP\\b`);
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('*')) { inFilter = line === '*filter'; continue; }
    if (!inFilter) continue;
    const r = splitRule(line);
    if (!r) continue;
    const jump = jumpRe.exec(r.rule);
    if (jump) uids.add(Number(jump[1]));
    if (dropRe.test(r.rule)) {
      drops = true;
      if (/^\[/.test(line)) counted = true;
      packets += r.packets;
      bytes += r.bytes;
    }
  }
  if (!drops || uids.size === 0) return null;
  return {
    source,
    families: [source === 'iptables' ? 'ipv4' : 'ipv6'],
    uids: [...uids].sort((a, b) => a - b),
    cgroups: [],
    dropped: counted ? { packets, bytes } : null,
  };
}
