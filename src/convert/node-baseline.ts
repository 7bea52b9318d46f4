// The memory a worker's Node binary holds before it runs a line of ours, as RLIMIT_DATA counts
// it (VmData: private writable mappings). The jail's cap is this + the JS heap cap + native
// headroom, so the cap means the same thing on every Node: on Node 22 a bare Node holds ~50 MiB
// there; on Node 26 ~560 MiB, because V8 maps its 512 MiB code range read-write-execute up front
// (see worker-threads.ts). Measured once per Node binary with a bare `node -e`.
import { execFile } from 'node:child_process';

const cache = new Map<string, Promise<number>>();

const SCRIPT = "process.stdout.write(String(/VmData:\\s+(\\d+) kB/.exec(require('fs').readFileSync('/proc/self/status','utf8'))?.[1] ?? 0))";

/** VmData of a bare Node started with `flags`, bytes (0 where /proc is absent or on failure). */
export function nodeBaselineBytes(nodePath: string, flags: readonly string[] = []): Promise<number> {
  if (process.platform !== 'linux') return Promise.resolve(0);
  const key = `${nodePath}\0${flags.join(' ')}`;
  let p = cache.get(key);
  if (!p) {
    p = new Promise<number>((resolve) => {
      execFile(nodePath, [...flags, '-e', SCRIPT], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, timeout: 30_000 }, (err, stdout) => {
        const kb = Number(stdout);
        resolve(err || !Number.isFinite(kb) ? 0 : kb * 1024);
      });
    });
    cache.set(key, p);
  }
  return p;
}
