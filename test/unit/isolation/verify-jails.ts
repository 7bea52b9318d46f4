// Two real, minimal jails for testing the verification checks without depending on the C helper:
//  - plainJail: spawns the command with no layer at all (an honest "nothing in force"), so a
//    canary really reaches the host listener;
//  - netnsJail: spawns it under `unshare --net` (a private network namespace the test creates),
//    a real kernel layer, so a canary is really stopped.
// Fault injection goes through the probe: `fault: ['namespace']` makes the probe report the
// layer refused, and spawn then leaves it off — the check sees what a real missing layer gives.
import { spawn, spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Capabilities, JailHandle, JailSpawnOptions, LayerName, LayerProbe } from '../../../src/isolation/jail/types.js';
import type { JailApi } from '../../../src/isolation/verify/index.js';

const ALL: LayerName[] = ['namespace', 'mountns', 'seccomp', 'landlock', 'node-permission'];

function caps(available: Partial<Record<LayerName, LayerProbe>>): Capabilities {
  const layers = Object.fromEntries(ALL.map((n) => [n, available[n] ?? { available: false, reason: 'not offered by this test jail' }])) as Record<LayerName, LayerProbe>;
  return { platform: process.platform, kernel: 'test', helperBuilt: true, helperPath: '(test jail)', layers };
}

function handleFor(command: string, args: string[], options: JailSpawnOptions | undefined, layers: JailHandle['layers']): JailHandle {
  const child = spawn(command, args, { stdio: options?.stdio ?? ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options?.env } });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: 127, signal: null }));
  });
  return { child, pid: child.pid ?? -1, startTime: 0, supervisorPid: null, layers, events: new EventEmitter(), attempts: [], kill: (sig = 'SIGTERM') => { child.kill(sig); }, exited };
}

export function plainJail(): JailApi {
  return {
    probe: () => caps({}),
    spawn: (command, args, options) => handleFor(command, args, options, []),
  };
}

/** Whether this machine lets us make a network namespace (root: plain unshare; else user+net). */
export function unshareArgs(): string[] | null {
  const argv = process.getuid?.() === 0 ? ['--net'] : ['--map-root-user', '--net'];
  const r = spawnSync('unshare', [...argv, 'true'], { stdio: 'ignore' });
  return r.status === 0 ? argv : null;
}

export function netnsJail(opts: { fault?: LayerName[] } = {}): JailApi {
  const argv = unshareArgs();
  const faulted = new Set(opts.fault ?? []);
  const namespace: LayerProbe = !argv
    ? { available: false, reason: 'unshare --net refused on this machine' }
    : faulted.has('namespace')
      ? { available: false, reason: 'fault injected: namespace refused' }
      : { available: true, reason: 'unshare --net works' };
  return {
    probe: () => caps({ namespace }),
    spawn: (command, args, options) => {
      const off = new Set(options?.disable ?? []);
      if (namespace.available && !off.has('namespace') && argv) {
        return handleFor('unshare', [...argv, '--', command, ...args], options, [{ name: 'namespace', inForce: true, reason: 'private network namespace (only a down lo)' }]);
      }
      return handleFor(command, args, options, [{ name: 'namespace', inForce: false, reason: namespace.reason }]);
    },
  };
}
