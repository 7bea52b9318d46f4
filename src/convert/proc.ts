// Process start time from /proc (field 22 of /proc/<pid>/stat, clock ticks since boot). With the
// pid it identifies a process for good: a recycled pid has a different start time.
import { readFileSync } from 'node:fs';

export function processStartTime(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may contain spaces and parentheses: split after the LAST ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[19]); // fields 3.. → index 0 is field 3, so field 22 is index 19
  } catch {
    return 0; // not Linux, or the process is gone
  }
}
