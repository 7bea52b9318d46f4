// TEST-ONLY: a spawn with the jail's contract (JailHandle) but NO isolation, so the pool's own
// mechanics (warm, single-use, queue, timeout, memory and output caps) can be tested without
// the kernel jail. Production code never uses this: ConvertService is always given jail.spawn.
// The isolation of workers is tested with the real jail in test/integration/convert-jail.test.ts.
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { JailHandle, JailSpawnOptions } from '../../src/isolation/jail/index.js';

export function unjailedSpawnForTests(cmd: string, args: string[], opts: JailSpawnOptions): JailHandle {
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...opts.env },
    stdio: opts.stdio ?? ['ignore', 'pipe', 'pipe', 'ipc'],
    detached: true, // own process group, so kill() takes the whole tree like the jail's pidfd kill
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return {
    child,
    pid: child.pid ?? -1,
    startTime: 0,
    supervisorPid: null,
    layers: [],
    events: new EventEmitter(),
    attempts: [],
    kill(signal: NodeJS.Signals = 'SIGKILL') {
      try { if (child.pid) process.kill(-child.pid, signal); } catch {}
    },
    exited,
  };
}
