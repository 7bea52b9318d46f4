// Network-namespace counters. Every network namespace has its own /proc/<pid>/net/snmp (and
// snmp6): the kernel counts every packet a process tried to send, every route lookup that
// failed and every TCP connect, whoever made it — Node code, a native addon, or a command-line
// tool. A jailed worker's namespace has only `lo`, so at job end any growth in the counters
// below means something in the job tried to use the network, even if no hook saw it.
import { readFileSync } from 'node:fs';

/** Counters whose growth means "something tried to send". Names as `Group.Field`. */
export const ATTEMPT_COUNTERS = [
  'Ip.OutRequests', 'Ip.OutNoRoutes', 'Tcp.ActiveOpens', 'Udp.OutDatagrams', 'UdpLite.OutDatagrams',
  'Icmp.OutMsgs', 'Ip6.OutRequests', 'Ip6.OutNoRoutes', 'Udp6.OutDatagrams', 'Icmp6.OutMsgs',
] as const;

export type SnmpCounters = Record<string, number>;

/** Parse /proc/net/snmp: pairs of lines, `Group: names...` then `Group: values...`. */
export function parseSnmp(text: string): SnmpCounters {
  const out: SnmpCounters = {};
  const lines = text.split('\n').filter((l) => l.trim());
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const head = lines[i]!.split(/\s+/);
    const vals = lines[i + 1]!.split(/\s+/);
    const group = head[0]!.replace(/:$/, '');
    if (vals[0] !== head[0]) throw new Error(`malformed snmp table near '${group}'`);
    for (let k = 1; k < head.length; k++) out[`${group}.${head[k]}`] = Number(vals[k]);
  }
  return out;
}

/** Parse /proc/net/snmp6: `Ip6OutRequests   12` per line → 'Ip6.OutRequests'. */
export function parseSnmp6(text: string): SnmpCounters {
  const out: SnmpCounters = {};
  for (const line of text.split('\n')) {
    const m = /^(Ip6|Icmp6|Udp6|UdpLite6)(\w+)\s+(\d+)/.exec(line.trim());
    if (m) out[`${m[1]}.${m[2]}`] = Number(m[3]);
  }
  return out;
}

/** Both tables of the namespace `pid` is in; null when the process is gone. */
export function readNetnsCounters(pid: number, procRoot = '/proc'): SnmpCounters | null {
  let v4: string;
  try {
    v4 = readFileSync(`${procRoot}/${pid}/net/snmp`, 'latin1');
  } catch {
    return null;
  }
  let v6 = '';
  try {
    v6 = readFileSync(`${procRoot}/${pid}/net/snmp6`, 'latin1');
  } catch {
    // IPv6 disabled in the kernel: no snmp6, nothing to count there.
  }
  return { ...parseSnmp(v4), ...parseSnmp6(v6) };
}

/** Attempt counters that grew between two readings (a fresh namespace starts at zero). */
export function attemptDelta(before: SnmpCounters | null, after: SnmpCounters): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of ATTEMPT_COUNTERS) {
    const d = (after[k] ?? 0) - (before?.[k] ?? 0);
    if (d > 0) out[k] = d;
  }
  return out;
}
