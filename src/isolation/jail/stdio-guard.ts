// Every pipe to or from a child process can fail on its own: a child that exits early makes
// our next write to its stdin fail with EPIPE, and an 'error' event nobody listens to is thrown
// as an uncaught exception — one background check would take the whole server down. Each
// stdio stream of every child we start gets a listener here; the failure is kept (the caller
// sees the child's exit and its own outcome) instead of crashing the process.
import type { ChildProcess } from 'node:child_process';

export interface StdioFailure {
  fd: number;
  code: string;
  message: string;
}

/** Listen for errors on every stdio stream of `child`; returns the failures seen so far (live). */
export function guardStdio(child: ChildProcess): readonly StdioFailure[] {
  const failures: StdioFailure[] = [];
  child.stdio.forEach((stream, fd) => {
    if (!stream || typeof (stream as NodeJS.EventEmitter).on !== 'function') return;
    (stream as NodeJS.EventEmitter).on('error', (e: NodeJS.ErrnoException) => {
      if (failures.length < 16) failures.push({ fd, code: e.code ?? 'ERROR', message: e.message });
    });
  });
  return failures;
}
