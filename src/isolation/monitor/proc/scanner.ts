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
  /** Leave these processes and their descendants out (jailed workers have their own witnesses). */
  prune?: (pid: number) => boolean;
  procRoot?: string;
}

interface Remembered {
  verdict: SocketVerdict;
  finding: Omit<SocketFinding, 'pid' | 'fd'>;
  /** Seen once in no table at all: decided on the next sighting (it may simply be newer than the tables we read). */
  pending?: boolean;
}

function fmt(e: { address: string; port: number }): string {
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

export class ProcScanner {
  private readonly known = new Map<number, Remembered>();

  constructor(private readonly opts: ScannerOptions = {}) {}

  private get procRoot(): string {
    return this.opts.procRoot ?? '/proc';
  }

  /** Read every table of one namespace (through a pid inside it). */
  private readTables(pid: number): Map<number, InetSocket> {
    const inet = new Map<number, InetSocket>();
    for (const t of INET_TABLES) {
      let text: string;
      try {
        text = readFileSync(`${this.procRoot}/${pid}/net/${t}`, 'latin1');
      } catch {
        continue; // e.g. no IPv6 in this kernel
      }
      for (const s of parseInetTable(text, t as InetTable)) {
        if (s.inode !== 0) inet.set(s.inode, s);
      }
    }
    return inet;
  }

  private readInodes(pid: number, table: keyof typeof INODE_COLUMN): Set<number> {
    try {
      return new Set(parseInodeColumn(readFileSync(`${this.procRoot}/${pid}/net/${table}`, 'latin1'), INODE_COLUMN[table]));
    } catch {
      return new Set();
    }
  }

  scan(): ScanResult {
    const t0 = process.hrtime.bigint();
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

    // Group processes by network namespace: the tables are per namespace, read once each.
    const byNs = new Map<number | null, number[]>();
    for (const pid of perPid.keys()) {
      const ns = netnsOf(pid, this.procRoot);
      const list = byNs.get(ns) ?? [];
      list.push(pid);
      byNs.set(ns, list);
    }
    for (const nsPids of byNs.values()) {
      const inet = this.readTables(nsPids[0]!);
      // Our listeners in this namespace: loopback TCP LISTEN sockets held by the tree.
      const treeListen = new Set<number>();
      for (const pid of nsPids) {
        for (const inode of perPid.get(pid)!.keys()) {
          const s = inet.get(inode);
          if (s && s.protocol === 'tcp' && s.state === 'LISTEN') treeListen.add(s.local.port);
        }
      }
      let unix: Set<number> | null = null;
      let netlink: Set<number> | null = null;
      let packet: Set<number> | null = null;
      for (const pid of nsPids) {
        for (const [inode, fd] of perPid.get(pid)!) {
          const remembered = this.known.get(inode);
          if (remembered && remembered.verdict.final) {
            if (!remembered.verdict.ok) violations.push({ pid, fd, ...remembered.finding });
            continue;
          }
          const s = inet.get(inode);
          let verdict: SocketVerdict;
          let finding: Remembered['finding'];
          if (s) {
            verdict = classifyInet(s, this.opts, treeListen);
            finding = { inode, protocol: s.protocol, family: s.family, local: fmt(s.local), remote: fmt(s.remote), state: s.state, why: verdict.why };
          } else {
            // Not an internet socket: read the unix/netlink/packet tables only when needed.
            unix ??= this.readInodes(pid, 'unix');
            if (unix.has(inode)) {
              verdict = { ok: true, why: 'unix', final: true };
              finding = { inode, protocol: 'unix', family: 'unix', why: 'unix' };
            } else if ((netlink ??= this.readInodes(pid, 'netlink')).has(inode)) {
              verdict = { ok: true, why: 'netlink', final: true };
              finding = { inode, protocol: 'netlink', family: 'netlink', why: 'netlink' };
            } else if ((packet ??= this.readInodes(pid, 'packet')).has(inode)) {
              verdict = { ok: false, why: 'packet socket', final: true };
              finding = { inode, protocol: 'packet', family: 'unknown', why: 'packet socket' };
            } else {
              // In none of the tables: a family /proc does not list (e.g. vsock, bluetooth) or a
              // socket created after we read the tables — re-check next cycle before deciding.
              verdict = { ok: false, why: 'socket of an unlisted family', final: true };
              finding = { inode, protocol: 'unknown', family: 'unknown', why: verdict.why };
              if (!remembered?.pending) {
                this.known.set(inode, { verdict: { ok: false, why: 'pending', final: false }, finding, pending: true });
                continue;
              }
            }
          }
          this.known.set(inode, { verdict, finding });
          if (!verdict.ok) violations.push({ pid, fd, ...finding });
        }
      }
    }
    return { pids, sockets, violations, tablesRead: true, durationMs: Number(process.hrtime.bigint() - t0) / 1e6 };
  }
}
