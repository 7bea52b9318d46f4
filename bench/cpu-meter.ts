// CPU time of a whole process tree, however its processes end. The usual account (this
// process's reaped children: /proc/self/stat cutime+cstime) misses a jailed worker: it is killed
// with its PID namespace when its job is done, and a process nobody waits for never adds its
// CPU to anyone's children. A cgroup counts every process in it, reaped or not. Needs a
// writable cgroup v2 hierarchy (root; unified or hybrid mount); elsewhere `open()` says why not.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CpuMeter {
  /** Prefix for a spawn: `sh -c` puts itself in the meter's cgroup, then execs the command. */
  wrap(cmd: string, args: string[]): [string, string[]];
  /** Put this process (and so every child it starts from now on) in the cgroup; `leave()` undoes it. */
  joinSelf(): void;
  leave(): void;
  /** CPU ms of everything that ran in the cgroup so far. */
  ms(): number;
  close(): void;
}

function v2Root(): string | null {
  for (const p of ['/sys/fs/cgroup', '/sys/fs/cgroup/unified']) if (existsSync(join(p, 'cgroup.procs')) && existsSync(join(p, 'cgroup.controllers'))) return p;
  return null;
}

export function openCpuMeter(name: string): CpuMeter | { unavailable: string } {
  const root = v2Root();
  if (!root) return { unavailable: 'no cgroup v2 hierarchy is mounted' };
  const dir = join(root, `${name}-${process.pid}`);
  try { mkdirSync(dir); } catch (e) { return { unavailable: `cannot create a cgroup (${(e as NodeJS.ErrnoException).code}; run as root)` }; }
  const procs = join(dir, 'cgroup.procs');
  const home = ((): string => {
    const line = readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => l.startsWith('0::'));
    return join(root, line ? line.slice(3) : '/');
  })();
  return {
    wrap: (cmd, args) => ['/bin/sh', ['-c', 'echo $$ > "$0" && exec "$@"', procs, cmd, ...args]],
    joinSelf: () => writeFileSync(procs, String(process.pid)),
    leave: () => writeFileSync(join(home, 'cgroup.procs'), String(process.pid)),
    ms: () => {
      const m = /usage_usec (\d+)/.exec(readFileSync(join(dir, 'cpu.stat'), 'utf8'));
      return m ? Number(m[1]) / 1000 : NaN;
    },
    close: () => { try { rmdirSync(dir); } catch { /* a straggler still in it: the kernel frees it with the last process */ } },
  };
}
