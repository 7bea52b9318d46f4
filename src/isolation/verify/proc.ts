// Small readers of Linux /proc (and /etc) files. Every reader takes the root folder so tests
// can point it at a fixture tree; production passes '/proc' and '/etc'. Nothing here opens a
// socket: routes, interfaces and listening sockets are all readable as text.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

export function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** `Key:\tvalue` lines of /proc/<pid>/status. */
export function parseStatus(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

export interface Route {
  iface: string;
  destination: string;
  gateway: string;
  isDefault: boolean;
}

function hexToIPv4(hex: string): string {
  // /proc/net/route stores addresses as little-endian hex.
  const n = parseInt(hex, 16);
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255].join('.');
}

function hexToIPv6(hex: string): string {
  const groups = (hex.match(/.{4}/g) ?? []).map((g) => parseInt(g, 16).toString(16));
  // Compress the longest run of zero groups (RFC 5952) so addresses read as people write them.
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < groups.length; i++) {
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) { best = i; bestLen = j - i; }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/** IPv4 routes (/proc/net/route): flags 0x1 = up; destination 0 with mask 0 = default route. */
export function parseIPv4Routes(text: string): Route[] {
  const routes: Route[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const [iface, dst, gw, flags, , , , mask] = f as [string, string, string, string, string, string, string, string];
    if ((parseInt(flags, 16) & 1) === 0) continue;
    routes.push({ iface, destination: hexToIPv4(dst), gateway: hexToIPv4(gw), isDefault: parseInt(dst, 16) === 0 && parseInt(mask, 16) === 0 });
  }
  return routes;
}

/** IPv6 routes (/proc/net/ipv6_route): prefix length 0 with a non-lo device = default route. */
export function parseIPv6Routes(text: string): Route[] {
  const routes: Route[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [dst, plen, , , gw, , , , flags, iface] = f as [string, string, string, string, string, string, string, string, string, string];
    const RTF_UP = 0x1;
    const RTF_REJECT = 0x200;
    const fl = parseInt(flags, 16);
    if ((fl & RTF_UP) === 0 || (fl & RTF_REJECT) !== 0) continue;
    routes.push({ iface, destination: `${hexToIPv6(dst)}/${parseInt(plen, 16)}`, gateway: hexToIPv6(gw), isDefault: parseInt(plen, 16) === 0 && iface !== 'lo' });
  }
  return routes;
}

/** Interface names from /proc/net/dev (reflects the reader's network namespace, unlike /sys/class/net). */
export function parseInterfaces(text: string): string[] {
  const names: string[] = [];
  for (const line of text.split('\n').slice(2)) {
    const i = line.indexOf(':');
    if (i > 0) names.push(line.slice(0, i).trim());
  }
  return names;
}

export function parseNameservers(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('nameserver')).map((l) => l.split(/\s+/)[1] ?? '').filter(Boolean);
}

export interface SocketEntry {
  proto: 'tcp' | 'tcp6' | 'udp' | 'udp6';
  localAddress: string;
  localPort: number;
  /** Kernel state code; 0A = LISTEN for TCP. */
  state: string;
  inode: number;
}

function decodeAddress(hex: string, v6: boolean): string {
  if (!v6) return hexToIPv4(hex);
  // Four little-endian 32-bit words.
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => (w.match(/../g) ?? []).reverse());
  const h = bytes.join('').toLowerCase();
  if (h.startsWith('00000000000000000000ffff')) {
    const v4 = bytes.slice(12).map((b) => parseInt(b, 16)).join('.');
    return `::ffff:${v4}`;
  }
  return hexToIPv6(h);
}

export function parseSocketTable(text: string, proto: SocketEntry['proto']): SocketEntry[] {
  const out: SocketEntry[] = [];
  const v6 = proto.endsWith('6');
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [addr, port] = (f[1] ?? '').split(':') as [string, string];
    out.push({ proto, localAddress: decodeAddress(addr, v6), localPort: parseInt(port, 16), state: f[3] ?? '', inode: Number(f[9]) });
  }
  return out;
}

/** Socket inodes this process holds open (from the fd table). */
export function ownSocketInodes(procRoot: string, pid: string | number = 'self'): Set<number> {
  const inodes = new Set<number>();
  const dir = join(procRoot, String(pid), 'fd');
  let fds: string[] = [];
  try { fds = readdirSync(dir); } catch { return inodes; }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(join(dir, fd)));
      if (m) inodes.add(Number(m[1]));
    } catch {}
  }
  return inodes;
}

export function isLoopbackAddress(addr: string): boolean {
  return addr.startsWith('127.') || addr === '::1' || addr.startsWith('::ffff:127.');
}

/** Set by the paranoid launcher in the jailed server's environment. */
export const PARANOID_CHILD_ENV = 'HERMETIC_PARANOID_CHILD';

/**
 * This process is the paranoid launcher's jailed server, really under a seccomp filter: every
 * socket() but AF_UNIX is refused and reported, so checks must not even try to open one
 * (a canary listener, a netlink query) — they would only produce noise in the attempt log.
 */
export function isJailedServer(procRoot: string, env: NodeJS.ProcessEnv): boolean {
  if (env[PARANOID_CHILD_ENV] !== '1') return false;
  const st = parseStatus(readText(join(procRoot, 'self', 'status')) ?? '');
  return st.Seccomp === '2';
}
