// Connection caps (issue 13 item 5). Node gives every accepted connection a file descriptor; a
// client that opens thousands and never finishes a request (or finishes one and sits idle) can
// use them all, and then nothing — not even GET /api/health — gets through.
//   - Connections are counted per client address; all of loopback (127/8, ::1) is ONE address,
//     since any local process can pick any 127.x.y.z. And in all, below half the open-file limit.
//   - At a cap, the oldest connection that is NOT in the middle of a request — one that has not
//     sent its headers yet, or an idle keep-alive one — is closed to make room. A client that
//     sends its request right away (health, the UI, the CLI) is served; one that holds sockets
//     open without using them loses them first. Only when every connection is busy with a
//     request is the new one refused (closed at once).
// The timeouts (headers, whole request, keep-alive, idle) are Node's own, set in app.ts.
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionLimits {
  maxPerAddress: number;
  maxTotal: number;
}

export interface ConnectionGuardStats {
  open: number;
  evicted: number;
  refused: number;
}

interface Tracked {
  socket: Socket;
  key: string;
  /** A request is being read or answered: not evictable. */
  busy: boolean;
  /** When it last became evictable (connected, or finished a response). */
  since: number;
}

/** The soft open-file limit of this process (Linux /proc), or null when unknown. */
export function openFileLimit(): number | null {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** The address a connection counts against: loopback is one address, IPv4-mapped IPv6 is IPv4. */
export function addressKey(remote: string | undefined): string {
  const a = (remote ?? '').replace(/^::ffff:/i, '');
  if (a === '::1' || /^127\./.test(a)) return 'loopback';
  return a || 'unknown';
}

export function guardConnections(server: Server, limits: ConnectionLimits): () => ConnectionGuardStats {
  const fdLimit = openFileLimit();
  // Half the descriptors at most for client connections: the rest is the database, workers' pipes, files.
  const maxTotal = fdLimit ? Math.max(8, Math.min(limits.maxTotal, Math.floor(fdLimit / 2))) : limits.maxTotal;
  const maxPerAddress = Math.min(limits.maxPerAddress, maxTotal);
  // Insertion-ordered: iteration finds the oldest first.
  const all = new Map<Socket, Tracked>();
  const perKey = new Map<string, number>();
  const stats = { evicted: 0, refused: 0 };

  const forget = (t: Tracked): void => {
    if (!all.delete(t.socket)) return;
    const n = (perKey.get(t.key) ?? 1) - 1;
    if (n <= 0) perKey.delete(t.key); else perKey.set(t.key, n);
  };

  /** Close the oldest evictable connection (of `key`, or of anyone); false when all are busy. */
  const evictOne = (key: string | null): boolean => {
    let victim: Tracked | null = null;
    for (const t of all.values()) {
      if (t.busy || (key !== null && t.key !== key)) continue;
      if (!victim || t.since < victim.since) victim = t;
    }
    if (!victim) return false;
    forget(victim);
    victim.socket.destroy();
    stats.evicted++;
    return true;
  };

  server.on('connection', (socket: Socket) => {
    const key = addressKey(socket.remoteAddress);
    if (((perKey.get(key) ?? 0) >= maxPerAddress && !evictOne(key)) || (all.size >= maxTotal && !evictOne(null))) {
      stats.refused++;
      socket.destroy();
      return;
    }
    const t: Tracked = { socket, key, busy: false, since: Date.now() };
    all.set(socket, t);
    perKey.set(key, (perKey.get(key) ?? 0) + 1);
    socket.once('close', () => forget(t));
  });

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const t = all.get(req.socket);
    if (!t) return;
    t.busy = true;
    // 'close' follows 'finish' for a response that completed, and also ends an aborted one.
    res.once('close', () => { t.busy = false; t.since = Date.now(); });
  });

  return () => ({ open: all.size, ...stats });
}
