// /proc helpers shared with the monitor: a process's start time (pid-reuse safety), and the
// host pid of a process that names itself by its pid inside a jail's PID namespace.
import { readdirSync, readFileSync } from 'node:fs';

/** /proc/<pid>/stat field 22 (clock ticks since boot), or 0 when unreadable (not Linux, gone). */
export function readStartTime(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: count from the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[19] ?? 0) || 0;
  } catch {
    return 0;
  }
}

function childrenOf(pid: number, procRoot: string): number[] {
  let tasks: string[];
  try { tasks = readdirSync(`${procRoot}/${pid}/task`); } catch { return []; }
  const out: number[] = [];
  for (const t of tasks) {
    try { out.push(...readFileSync(`${procRoot}/${pid}/task/${t}/children`, 'utf8').split(' ').filter(Boolean).map(Number)); } catch { /* gone */ }
  }
  return out;
}

/**
 * The host pid of the process below `root` (host view) that calls itself `nsPid` inside its own
 * PID namespace — a jailed Node worker's `process.pid` is its pid in the jail (the last NSpid
 * entry), not the host's. Null when no process of that tree is in a nested PID namespace with
 * that pid: the tree is searched, so a jailed process can only ever name one of its own.
 */
export function hostPidOf(nsPid: number, root: number, procRoot = '/proc'): number | null {
  const queue = childrenOf(root, procRoot);
  for (let seen = 0; queue.length && seen < 4096; seen++) {
    const pid = queue.shift() as number;
    try {
      const m = /\nNSpid:\t([\d\t]+)/.exec(readFileSync(`${procRoot}/${pid}/status`, 'utf8'));
      const ids = m?.[1]?.trim().split('\t').map(Number) ?? [];
      if (ids.length > 1 && ids[ids.length - 1] === nsPid) return pid;
    } catch { continue; }
    queue.push(...childrenOf(pid, procRoot));
  }
  return null;
}
