// /proc helpers shared with the monitor: a process's start time (pid-reuse safety).
import { readFileSync } from 'node:fs';

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
