// Parsers for the kernel's socket tables in /proc/<pid>/net/*. These are text tables with one
// socket per line; the column we join on is `inode`, which is also what /proc/<pid>/fd shows as
// `socket:[INODE]`. Addresses are hex in host byte order per 32-bit word, so decoding depends on
// the machine's endianness (we pass it in, which also keeps the parser testable).
import { endianness } from 'node:os';

/** The tables that hold internet (and raw/packet) sockets, by file name under /proc/<pid>/net. */
export const INET_TABLES = ['tcp', 'tcp6', 'udp', 'udp6', 'udplite', 'udplite6', 'raw', 'raw6', 'icmp', 'icmp6'] as const;
export type InetTable = (typeof INET_TABLES)[number];

export type SocketProtocol = 'tcp' | 'udp' | 'udplite' | 'raw' | 'icmp' | 'packet' | 'unix' | 'netlink';

export interface Endpoint {
  address: string;
  port: number;
}

/** TCP states as the kernel numbers them (include/net/tcp_states.h). */
export const TCP_STATES: Record<number, string> = {
  1: 'ESTABLISHED', 2: 'SYN_SENT', 3: 'SYN_RECV', 4: 'FIN_WAIT1', 5: 'FIN_WAIT2', 6: 'TIME_WAIT',
  7: 'CLOSE', 8: 'CLOSE_WAIT', 9: 'LAST_ACK', 10: 'LISTEN', 11: 'CLOSING', 12: 'NEW_SYN_RECV',
};

export interface InetSocket {
  inode: number;
  protocol: SocketProtocol;
  family: 'IPv4' | 'IPv6';
  local: Endpoint;
  remote: Endpoint;
  /** TCP state name; for UDP 'ESTABLISHED' means connected, 'CLOSE' unconnected. */
  state: string;
  uid: number;
}

/** Decode one 32-bit hex word as the kernel printed it (host order) into 4 network-order bytes. */
function wordBytes(hex: string, little: boolean): number[] {
  const v = Number.parseInt(hex, 16) >>> 0;
  const b = [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
  return little ? b.reverse() : b;
}

/** `0100007F:1F90` → {address: '127.0.0.1', port: 8080}; IPv6 as compressed text. */
export function decodeEndpoint(text: string, little = endianness() === 'LE'): Endpoint {
  const [addrHex = '', portHex = '0'] = text.split(':');
  const port = Number.parseInt(portHex, 16);
  if (addrHex.length === 8) return { address: wordBytes(addrHex, little).join('.'), port };
  if (addrHex.length === 32) {
    const bytes: number[] = [];
    for (let i = 0; i < 32; i += 8) bytes.push(...wordBytes(addrHex.slice(i, i + 8), little));
    return { address: formatIPv6(bytes), port };
  }
  throw new Error(`unrecognised socket address '${text}'`);
}

function formatIPv6(bytes: number[]): string {
  // IPv4-mapped (::ffff:a.b.c.d) stays readable, as `ss` and Node print it.
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${bytes.slice(12).join('.')}`;
  }
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  // Longest run of zero groups (length >= 2) becomes '::' (RFC 5952).
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function tableProtocol(table: InetTable): { protocol: SocketProtocol; family: 'IPv4' | 'IPv6' } {
  const family = table.endsWith('6') ? 'IPv6' : 'IPv4';
  const protocol = table.replace(/6$/, '') as SocketProtocol;
  return { protocol, family };
}

/**
 * Parse one table (tcp, tcp6, udp, udp6, raw, raw6, icmp, ...). Columns are the same for all
 * of them up to `inode`: sl local rem st tx:rx tr:when retrnsmt uid timeout inode.
 */
export function parseInetTable(text: string, table: InetTable, little = endianness() === 'LE'): InetSocket[] {
  const { protocol, family } = tableProtocol(table);
  const out: InetSocket[] = [];
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i]!.trim().split(/\s+/);
    if (f.length < 10) continue;
    const inode = Number(f[9]);
    if (!Number.isFinite(inode)) continue;
    const st = Number.parseInt(f[3]!, 16);
    out.push({
      inode,
      protocol,
      family,
      local: decodeEndpoint(f[1]!, little),
      remote: decodeEndpoint(f[2]!, little),
      state: TCP_STATES[st] ?? `0x${f[3]}`,
      uid: Number(f[7]),
    });
  }
  return out;
}

/** Inodes of a table whose inode is the last-but-N column (unix: 7th, netlink: 10th, packet: 9th). */
export function parseInodeColumn(text: string, column: number): number[] {
  const out: number[] = [];
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i]!.trim().split(/\s+/);
    const v = Number(f[column]);
    if (f.length > column && Number.isInteger(v) && v > 0) out.push(v);
  }
  return out;
}

/** Column index of `Inode` in /proc/net/{unix,netlink,packet}. */
export const INODE_COLUMN = { unix: 6, netlink: 9, packet: 8 } as const;
