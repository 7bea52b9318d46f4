// Facts about one process from /proc: identity (pid + start time, which together survive pid
// reuse), parent, children, network namespace, and the socket inodes among its descriptors.
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  /** Field 22: start time in clock ticks since boot. With pid, a unique process identity. */
  startTime: number;
}

/**
 * Parse /proc/<pid>/stat. `comm` is in parentheses and may itself contain spaces and ')', so the
 * fields are counted from the LAST ')'.
 */
export function parseStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error('malformed /proc/<pid>/stat');
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 2).trim().split(/\s+/);
  // rest[0] is field 3 (state), so field N is rest[N - 3].
  const ppid = Number(rest[1]);
  const startTime = Number(rest[19]);
  if (!Number.isInteger(pid) || !Number.isInteger(ppid) || !Number.isFinite(startTime)) throw new Error('malformed /proc/<pid>/stat');
  return { pid, comm: text.slice(open + 1, close), state: rest[0] ?? '?', ppid, startTime };
}

/** The process's stat, or null when it is gone (or not visible to us). */
export function readStat(pid: number, procRoot = '/proc'): ProcStat | null {
  try {
    return parseStat(readFileSync(`${procRoot}/${pid}/stat`, 'latin1'));
  } catch {
    return null;
  }
}

/** Start time of a live process, or null when gone. */
export function startTimeOf(pid: number, procRoot = '/proc'): number | null {
  return readStat(pid, procRoot)?.startTime ?? null;
}

/** True when `pid` still names the very process that had `startTime` (no pid reuse). */
export function isSameProcess(pid: number, startTime: number, procRoot = '/proc'): boolean {
  const st = readStat(pid, procRoot);
  return st !== null && st.startTime === startTime && st.state !== 'Z';
}

/** Inode of the network namespace the process is in (`net:[4026531840]`), or null. */
export function netnsOf(pid: number, procRoot = '/proc'): number | null {
  try {
    const m = /\[(\d+)\]/.exec(readlinkSync(`${procRoot}/${pid}/ns/net`));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Socket inodes among the process's open descriptors (`socket:[123]`); null when unreadable. */
export function socketInodes(pid: number, procRoot = '/proc'): Map<number, number> | null {
  let fds: string[];
  try {
    fds = readdirSync(`${procRoot}/${pid}/fd`);
  } catch {
    return null;
  }
  // inode → fd number (one fd is enough to name it in a report).
  const out = new Map<number, number>();
  for (const fd of fds) {
    let target: string;
    try {
      target = readlinkSync(`${procRoot}/${pid}/fd/${fd}`);
    } catch {
      continue; // closed between readdir and readlink
    }
    if (target.startsWith('socket:[')) out.set(Number(target.slice(8, -1)), Number(fd));
  }
  return out;
}

/** Direct children of a process, from /proc/<pid>/task/<tid>/children (all threads); null when unreadable. */
function childrenFromTaskFiles(pid: number, procRoot: string): number[] | null {
  let tids: string[];
  try {
    tids = readdirSync(`${procRoot}/${pid}/task`);
  } catch {
    return null;
  }
  const out: number[] = [];
  for (const tid of tids) {
    try {
      const text = readFileSync(`${procRoot}/${pid}/task/${tid}/children`, 'latin1');
      for (const c of text.trim().split(/\s+/)) if (c) out.push(Number(c));
    } catch {
      // thread ended between readdir and read
    }
  }
  return out;
}

/** The `children` files exist only with CONFIG_PROC_CHILDREN; check once on our own main thread. */
function hasChildrenFiles(procRoot: string): boolean {
  return existsSync(`${procRoot}/${process.pid}/task/${process.pid}/children`);
}

/** Fallback without CONFIG_PROC_CHILDREN: scan every /proc/<pid>/stat for its ppid. */
function childrenByScan(procRoot: string): Map<number, number[]> {
  const byParent = new Map<number, number[]>();
  for (const name of readdirSync(procRoot)) {
    if (!/^\d+$/.test(name)) continue;
    const st = readStat(Number(name), procRoot);
    if (!st) continue;
    const list = byParent.get(st.ppid) ?? [];
    list.push(st.pid);
    byParent.set(st.ppid, list);
  }
  return byParent;
}

/**
 * Every process in the tree rooted at `root` (root first). `prune(pid)` returning true keeps a
 * process and its descendants out (e.g. jailed workers, covered by seccomp and their own netns).
 */
export function processTree(root: number, prune: (pid: number) => boolean = () => false, procRoot = '/proc'): number[] {
  const out: number[] = [];
  let scan: Map<number, number[]> | null = null;
  const useTaskFiles = hasChildrenFiles(procRoot);
  const queue = [root];
  const seen = new Set<number>();
  while (queue.length) {
    const pid = queue.shift()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    if (pid !== root && prune(pid)) continue;
    out.push(pid);
    let kids: number[] | null = useTaskFiles ? childrenFromTaskFiles(pid, procRoot) : null;
    if (kids === null) {
      scan ??= childrenByScan(procRoot);
      kids = scan.get(pid) ?? [];
    }
    queue.push(...kids);
  }
  return out;
}

/** Walk up the parent chain from `pid` (itself first), at most `limit` steps. */
export function ancestors(pid: number, limit = 32, procRoot = '/proc'): number[] {
  const out: number[] = [];
  let cur: number | undefined = pid;
  while (cur && cur > 0 && out.length < limit) {
    out.push(cur);
    const st = readStat(cur, procRoot);
    if (!st || st.ppid === cur) break;
    cur = st.ppid;
  }
  return out;
}
