// Which process a job row belongs to, so that a later start can tell a job of a live process
// (another server or `hermetic convert` on the same data dir) from one whose process died
// (kill -9, a crash, a power cut). A pid alone can be reused; on Linux the process start time
// (/proc/<pid>/stat field 22) makes the pair unique.
import { readFileSync } from 'node:fs';

function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces and parentheses).
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** "pid:starttime" of this process (starttime empty where /proc is not available). */
export function ownerOfThisProcess(): string {
  return `${process.pid}:${startTime(process.pid) ?? ''}`;
}

/** Is the process that wrote `owner` still running? Unknown or malformed owners are dead. */
export function ownerAlive(owner: string | null): boolean {
  const m = /^(\d+):(\d*)$/.exec(owner ?? '');
  if (!m) return false;
  const pid = Number(m[1]);
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !m[2] || startTime(pid) === m[2];
}
