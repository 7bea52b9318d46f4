// The /proc cross-check: which sockets do the processes of our tree hold, and is each one
// allowed (classify.ts)? Sockets are found by joining the `socket:[inode]` links in
// /proc/<pid>/fd with the tables of the process's own network namespace.
//
// Cost control ("cheap when nothing changed"): a socket whose verdict cannot change while it
// lives (a listener, an established TCP connection, a unix socket) is remembered by inode. When
// every socket inode of a cycle is already remembered, the tables are not read at all; the
// cycle is then just readdir + readlink per process.
import { readFileSync } from 'node:fs';
import { INET_TABLES, INODE_COLUMN, parseInetTable, parseInodeColumn, type InetSocket, type InetTable, type SocketProtocol } from './net-table.js';
import { netnsOf, processTree, socketInodes } from './process.js';
import { classifyInet, type ScanRules, type SocketVerdict } from './classify.js';

export interface SocketFinding {
  pid: number;
  fd: number;
  inode: number;
  protocol: SocketProtocol | 'unknown';
  family: 'IPv4' | 'IPv6' | 'unix' | 'netlink' | 'unknown';
  local?: string;
  remote?: string;
  state?: string;
  why: string;
}

export interface ScanResult {
  /** Processes looked at. */
  pids: number[];
  /** Socket descriptors found across them. */
  sockets: number;
  violations: SocketFinding[];
  /** True when the socket tables were read this cycle (false: every inode was already known). */
  tablesRead: boolean;
  durationMs: number;
}

export interface ScannerOptions extends ScanRules {
  /** Root of the tree (default: this process). */
  rootPid?: number;
  /** Rules that change at run time (e.g. the listen port, known only once listening); merged over the static ones. */
  rules?: () => ScanRules;
  /** Leave these processes and their descendants out (jailed workers have their own witnesses). */
  prune?: (pid: number) => boolean;
  procRoot?: string;
}

interface Remembered {
  verdict: SocketVerdict;
  finding: Omit<SocketFinding, 'pid' | 'fd'>;
  /** Seen once in no table at all: decided on the next sighting (it may simply be newer than the tables we read). */
  pending?: boolean;
  /** For our TCP listeners: the port (connections accepted on it are allowed). */
  listenPort?: number;
}

type Located = { kind: 'inet'; sock: InetSocket } | { kind: 'unix' | 'netlink' | 'packet' };

function fmt(e: { address: string; port: number }): string {
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

export class ProcScanner {
  private readonly known = new Map<number, Remembered>();
  private lastRules = '';

  constructor(private readonly opts: ScannerOptions = {}) {}

  private get procRoot(): string {
    return this.opts.procRoot ?? '/proc';
  }

  private readTable(pid: number, table: string): string | null {
    try {
      return readFileSync(`${this.procRoot}/${pid}/net/${table}`, 'latin1');
    } catch {
      return null; // e.g. no IPv6 in this kernel
    }
  }

  /**
   * Find what the `needed` inodes are, reading the namespace's tables (through a pid inside it)
   * only until all are found. Cheap tables first: unix and netlink are small, while reading
   * tcp/tcp6 walks the kernel's whole connection hash (milliseconds on a large machine).
   */
  private lookup(pid: number, needed: Set<number>): Map<number, Located> {
    const found = new Map<number, Located>();
    const take = (inodes: Iterable<number>, kind: 'unix' | 'netlink' | 'packet'): void => {
      for (const i of inodes) if (needed.delete(i)) found.set(i, { kind });
    };
    const unix = this.readTable(pid, 'unix');
    if (unix) take(parseInodeColumn(unix, INODE_COLUMN.unix), 'unix');
    if (needed.size) {
      const netlink = this.readTable(pid, 'netlink');
      if (netlink) take(parseInodeColumn(netlink, INODE_COLUMN.netlink), 'netlink');
    }
    for (const t of INET_TABLES) {
      if (!needed.size) break;
      const text = this.readTable(pid, t);
      if (!text) continue;
      for (const sock of parseInetTable(text, t as InetTable)) {
        if (sock.inode !== 0 && needed.delete(sock.inode)) found.set(sock.inode, { kind: 'inet', sock });
      }
    }
    if (needed.size) {
      const packet = this.readTable(pid, 'packet');
      if (packet) take(parseInodeColumn(packet, INODE_COLUMN.packet), 'packet');
    }
    return found;
  }

  private currentRules(): ScanRules {
    const dynamic = this.opts.rules?.() ?? {};
    const rules: ScanRules = {
      ...(dynamic.listenPorts ?? this.opts.listenPorts ? { listenPorts: dynamic.listenPorts ?? this.opts.listenPorts } : {}),
      ...(dynamic.allowLoopbackPorts ?? this.opts.allowLoopbackPorts ? { allowLoopbackPorts: dynamic.allowLoopbackPorts ?? this.opts.allowLoopbackPorts } : {}),
    };
    // Remembered verdicts were decided under the old rules: start over when they change.
    const key = JSON.stringify(rules);
    if (key !== this.lastRules) {
      this.known.clear();
      this.lastRules = key;
    }
    return rules;
  }

  scan(): ScanResult {
    const t0 = process.hrtime.bigint();
    const rules = this.currentRules();
    const root = this.opts.rootPid ?? process.pid;
    const pids = processTree(root, this.opts.prune, this.procRoot);
    const perPid = new Map<number, Map<number, number>>();
    let needTables = false;
    let sockets = 0;
    const live = new Set<number>();
    for (const pid of pids) {
      const inodes = socketInodes(pid, this.procRoot);
      if (!inodes) continue;
      perPid.set(pid, inodes);
      sockets += inodes.size;
      for (const inode of inodes.keys()) {
        live.add(inode);
        const r = this.known.get(inode);
        if (!r || !r.verdict.final) needTables = true;
      }
    }
    // Forget sockets that no longer exist (an inode number may be reused later).
    for (const inode of this.known.keys()) if (!live.has(inode)) this.known.delete(inode);

    const violations: SocketFinding[] = [];
    if (!needTables) {
      for (const [pid, inodes] of perPid) {
        for (const [inode, fd] of inodes) {
          const r = this.known.get(inode)!;
          if (!r.verdict.ok) violations.push({ pid, fd, ...r.finding });
        }
      }
      return { pids, sockets, violations, tablesRead: false, durationMs: Number(process.hrtime.bigint() - t0) / 1e6 };
    }

    // Group processes by network namespace: the tables are per namespace.
    const byNs = new Map<number | null, number[]>();
    for (const pid of perPid.keys()) {
      const ns = netnsOf(pid, this.procRoot);
      const list = byNs.get(ns) ?? [];
      list.push(pid);
      byNs.set(ns, list);
    }
    for (const nsPids of byNs.values()) {
      const needed = new Set<number>();
      for (const pid of nsPids) {
        for (const inode of perPid.get(pid)!.keys()) {
          const r = this.known.get(inode);
          if (!r || !r.verdict.final) needed.add(inode);
        }
      }
      const located = needed.size ? this.lookup(nsPids[0]!, new Set(needed)) : new Map<number, Located>();
      // Our listeners in this namespace: loopback TCP LISTEN sockets held by the tree (known or new).
      const treeListen = new Set<number>();
      for (const pid of nsPids) {
        for (const inode of perPid.get(pid)!.keys()) {
          const port = this.known.get(inode)?.listenPort;
          if (port !== undefined) treeListen.add(port);
          const l = located.get(inode);
          if (l?.kind === 'inet' && l.sock.protocol === 'tcp' && l.sock.state === 'LISTEN') treeListen.add(l.sock.local.port);
        }
      }
      for (const pid of nsPids) {
        for (const [inode, fd] of perPid.get(pid)!) {
          const remembered = this.known.get(inode);
          if (!needed.has(inode) && remembered) {
            if (!remembered.verdict.ok) violations.push({ pid, fd, ...remembered.finding });
            continue;
          }
          const l = located.get(inode);
          let entry: Remembered;
          if (l?.kind === 'inet') {
            const sk = l.sock;
            const verdict = classifyInet(sk, rules, treeListen);
            entry = {
              verdict,
              finding: { inode, protocol: sk.protocol, family: sk.family, local: fmt(sk.local), remote: fmt(sk.remote), state: sk.state, why: verdict.why },
              ...(sk.protocol === 'tcp' && sk.state === 'LISTEN' ? { listenPort: sk.local.port } : {}),
            };
          } else if (l?.kind === 'unix' || l?.kind === 'netlink') {
            entry = { verdict: { ok: true, why: l.kind, final: true }, finding: { inode, protocol: l.kind, family: l.kind, why: l.kind } };
          } else if (l?.kind === 'packet') {
            entry = { verdict: { ok: false, why: 'packet socket', final: true }, finding: { inode, protocol: 'packet', family: 'unknown', why: 'packet socket' } };
          } else {
            // In no table: a family /proc does not list (e.g. vsock, bluetooth), or a socket
            // created after we read the tables — decided on the next sighting.
            const finding = { inode, protocol: 'unknown' as const, family: 'unknown' as const, why: 'socket of an unlisted family' };
            if (!remembered?.pending) {
              this.known.set(inode, { verdict: { ok: false, why: 'pending', final: false }, finding, pending: true });
              continue;
            }
            entry = { verdict: { ok: false, why: finding.why, final: true }, finding };
          }
          this.known.set(inode, entry);
          if (!entry.verdict.ok) violations.push({ pid, fd, ...entry.finding });
        }
      }
    }
    return { pids, sockets, violations, tablesRead: true, durationMs: Number(process.hrtime.bigint() - t0) / 1e6 };
  }
}
