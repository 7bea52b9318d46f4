// The rule of the /proc cross-check, as one pure function: which of our sockets are allowed.
// Allowed: our own loopback listener, a connection accepted on it (both ends loopback), a unix
// socket (and netlink, which talks to the kernel only). Everything else is a violation —
// including outgoing loopback connections (a local proxy or resolver forwards them on) and
// every UDP socket (DNS goes out over UDP, even to 127.0.0.53).
import type { InetSocket } from './net-table.js';

export interface ScanRules {
  /** Ports of our own TCP listeners on loopback. Undefined: any loopback listener in the tree is ours. */
  listenPorts?: readonly number[];
  /** Loopback ports our own code may connect to (the tripwire's allowLoopbackPorts). */
  allowLoopbackPorts?: readonly number[];
}

export type SocketVerdict =
  | { ok: true; why: 'loopback-listener' | 'accepted-loopback' | 'allowed-loopback-peer' | 'unix' | 'netlink'; final: boolean }
  | { ok: false; why: string; final: boolean };

export function isLoopback(address: string): boolean {
  return address === '::1' || /^127\./.test(address) || /^::ffff:127\./.test(address);
}

function isUnspecified(address: string): boolean {
  return address === '0.0.0.0' || address === '::' || address === '::ffff:0.0.0.0';
}

/**
 * Classify one internet socket. `final` says the verdict cannot change while the inode lives
 * (an established TCP connection cannot get a new peer), so the scanner may skip re-reading
 * the tables for it — the "cheap when nothing changed" part.
 */
export function classifyInet(s: InetSocket, rules: ScanRules, treeListenPorts: ReadonlySet<number>): SocketVerdict {
  if (s.protocol === 'raw' || s.protocol === 'icmp' || s.protocol === 'packet') {
    return { ok: false, why: `${s.protocol} socket`, final: true };
  }
  if (s.protocol === 'udp' || s.protocol === 'udplite') {
    const connected = s.state === 'ESTABLISHED';
    return { ok: false, why: connected ? 'udp socket connected to a peer' : 'udp socket', final: false };
  }
  // TCP from here on.
  if (s.state === 'LISTEN') {
    if (!isLoopback(s.local.address)) {
      return { ok: false, why: isUnspecified(s.local.address) ? 'listener on all interfaces' : 'listener on a non-loopback address', final: true };
    }
    if (rules.listenPorts && !rules.listenPorts.includes(s.local.port)) return { ok: false, why: 'unexpected loopback listener', final: true };
    return { ok: true, why: 'loopback-listener', final: true };
  }
  if (s.state === 'CLOSE' && s.remote.port === 0) {
    // socket() done, no connect/listen yet — it may still become anything.
    return { ok: false, why: 'unconnected tcp socket', final: false };
  }
  if (!isLoopback(s.remote.address)) return { ok: false, why: 'connection to a non-loopback address', final: true };
  if (!isLoopback(s.local.address)) return { ok: false, why: 'connection from a non-loopback address', final: true };
  const ours = rules.listenPorts ? new Set(rules.listenPorts) : treeListenPorts;
  if (ours.has(s.local.port)) return { ok: true, why: 'accepted-loopback', final: true };
  if (rules.allowLoopbackPorts?.includes(s.remote.port)) return { ok: true, why: 'allowed-loopback-peer', final: true };
  return { ok: false, why: 'outgoing loopback connection', final: true };
}
