// Find Hermetic's table in `nft -j list ruleset` output and say what it drops.
import { NFT_TABLE } from '../constants.js';
import type { LoadedRuleset } from '../types.js';

interface NftRule {
  family?: string;
  table?: string;
  expr?: unknown[];
}

type Json = Record<string, unknown>;

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The right-hand side of a `match` expression whose left side is meta skuid / socket cgroupv2. */
function matchValue(expr: unknown, key: 'skuid' | 'cgroupv2'): unknown {
  if (!isObj(expr) || !isObj(expr.match)) return undefined;
  const m = expr.match;
  if (m.op !== undefined && m.op !== '==') return undefined;
  const left = m.left;
  if (!isObj(left)) return undefined;
  const meta = left.meta;
  const sock = left.socket;
  if (key === 'skuid' && isObj(meta) && meta.key === 'skuid') return m.right;
  if (key === 'cgroupv2' && isObj(sock) && sock.key === 'cgroupv2') return m.right;
  return undefined;
}

/** null when the ruleset has no `inet hermetic` table. */
export function parseNftRuleset(json: string): LoadedRuleset | null {
  const doc = JSON.parse(json) as { nftables?: unknown[] };
  const items = Array.isArray(doc.nftables) ? doc.nftables : [];
  const hasTable = items.some((i) => isObj(i) && isObj(i.table) && i.table.family === 'inet' && i.table.name === NFT_TABLE);
  if (!hasTable) return null;
  const uids = new Set<number>();
  const cgroups = new Set<string>();
  let packets = 0;
  let bytes = 0;
  let counted = false;
  for (const item of items) {
    if (!isObj(item) || !isObj(item.rule)) continue;
    const rule = item.rule as NftRule;
    if (rule.family !== 'inet' || rule.table !== NFT_TABLE || !Array.isArray(rule.expr)) continue;
    // Only rules whose verdict is drop count as "blocks": accept rules are the loopback holes.
    if (!rule.expr.some((e) => isObj(e) && 'drop' in e)) continue;
    for (const e of rule.expr) {
      const uid = matchValue(e, 'skuid');
      if (typeof uid === 'number') uids.add(uid);
      const cg = matchValue(e, 'cgroupv2');
      if (typeof cg === 'string') cgroups.add(cg);
      if (isObj(e) && isObj(e.counter)) {
        counted = true;
        packets += Number(e.counter.packets ?? 0);
        bytes += Number(e.counter.bytes ?? 0);
      }
    }
  }
  return {
    source: 'nftables',
    families: ['ipv4', 'ipv6'],
    uids: [...uids].sort((a, b) => a - b),
    cgroups: [...cgroups].sort(),
    dropped: counted ? { packets, bytes } : null,
  };
}
