// Which process a job row belongs to, so that a later start can tell a job of a live process
// (another server or `hermetic convert` on the same data dir) from one whose process died
// (kill -9, a crash, a power cut). A pid alone can be reused; on Linux the process start time
// (/proc/<pid>/stat field 22) makes the pair unique.
// Both are read through /proc as mounted — including our own pid (/proc/self), not process.pid:
// inside a PID namespace without its own /proc the two differ, and only the /proc view can be
// checked again later.
import { readFileSync, readlinkSync } from 'node:fs';

function startTime(pid: number | 'self'): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces and parentheses).
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** "pid:starttime" of this process as /proc sees it ("pid:" where there is no /proc). */
export function ownerOfThisProcess(): string {
  const start = startTime('self');
  if (start === null) return `${process.pid}:`;
  let pid = process.pid;
  try { pid = Number(readlinkSync('/proc/self')); } catch { /* keep process.pid */ }
  return `${pid}:${start}`;
}

/** Is the process that wrote `owner` still running? Unknown or malformed owners are dead. */
export function ownerAlive(owner: string | null): boolean {
  const m = /^(\d+):(\d*)$/.exec(owner ?? '');
  if (!m) return false;
  const pid = Number(m[1]);
  if (m[2]) return startTime(pid) === m[2];
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
