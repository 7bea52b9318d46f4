// Contract of the kernel jail (native/jail.c + this folder).
import type { ChildProcess, StdioOptions } from 'node:child_process';
import type { EventEmitter } from 'node:events';

export type LayerName = 'namespace' | 'mountns' | 'seccomp' | 'landlock' | 'node-permission';

export interface LayerProbe {
  available: boolean;
  reason: string; // always filled: why available or why not
  detail?: Record<string, unknown>; // e.g. { abi: 6 } for landlock
}

export interface Capabilities {
  platform: NodeJS.Platform;
  kernel: string;
  helperBuilt: boolean;
  helperPath: string | null;
  layers: Record<LayerName, LayerProbe>;
  /** Layers the probe was told to pretend unavailable (fault injection), if any. */
  faults?: LayerName[];
  /** The Node binary the node-permission layer was probed on. */
  nodePath?: string;
}

/** Options of probe(); results are cached per process for each distinct option set. */
export interface ProbeOptions {
  /** Fault injection: layers to treat as refused by the kernel. Also read from
   *  HERMETIC_JAIL_FAULT (comma-separated layer names). The helper itself takes the failure
   *  path, so the probe, spawn() and the canary all see the same refusal. */
  fault?: LayerName[];
  /** Node binary whose permission model is probed (default: the running one). */
  nodePath?: string;
  /** Ignore the cache. */
  refresh?: boolean;
}

/** A blocked attempt reported by the supervisor (seccomp user notification). */
export interface JailAttempt {
  pid: number;
  syscall: string; // 'socket' | 'socketpair' | 'connect' | 'sendto' (io_uring is refused in-kernel, unreported)
  family?: string; // 'AF_INET' ...
  type?: string; // 'SOCK_STREAM' ...
  address?: string;
  port?: number;
  path?: string;
  ts: string;
  /** Error the call got: 'EPERM'. */
  errno?: string;
  /** socket(): protocol number; sendto(): flags (e.g. MSG_FASTOPEN). */
  protocol?: number;
  flags?: number;
}

export interface LayerState {
  name: LayerName;
  inForce: boolean;
  reason: string;
}

export interface JailSpawnOptions {
  cwd?: string;
  /** Extra env vars; the jail starts from an allow-list, strips proxies/NODE_OPTIONS/LD_PRELOAD, sets DO_NOT_TRACK=1. */
  env?: Record<string, string>;
  stdio?: StdioOptions;
  /** Folders the child may write (Landlock); everything else read-only. */
  allowWrite?: string[];
  /** Layers that must be in force; spawn fails (JailError JAIL_LAYER_UNAVAILABLE) otherwise. Default: none required. */
  require?: LayerName[];
  /** Layers to leave off (tests of each combination). */
  disable?: LayerName[];
  timeoutMs?: number;
  /** Address-space rlimit in bytes. */
  memoryBytes?: number;
  /** For Node children: Node permission model when supported (fs read/write grants). */
  nodePermission?: { allowFsRead?: string[]; allowFsWrite?: string[]; allowChildProcess?: boolean; allowWorker?: boolean; allowAddons?: boolean };
  /** Install the tripwire in a Node child via --import. */
  tripwire?: boolean;
  /** Treat the command as a Node binary (permission model, tripwire). Default: detected from its name. */
  node?: boolean;
  /** Report blocked attempts through the supervisor (default true). false: denied in-kernel, silently (benchmarks). */
  report?: boolean;
  /** Fault injection (see ProbeOptions.fault); merged with HERMETIC_JAIL_FAULT. */
  fault?: LayerName[];
}

export interface JailHandle {
  /** The supervisor process (stdio and the Node IPC channel reach the jailed command through it). */
  child: ChildProcess;
  /** The jailed command's pid (host view). */
  pid: number;
  /** /proc/<pid>/stat field 22 of the jailed command, for pid-reuse safety (0 if unknown). */
  startTime: number;
  /** The supervisor's pid (= child.pid), or null when no helper runs (no kernel layer). */
  supervisorPid: number | null;
  layers: LayerState[];
  /** Emits 'attempt' (JailAttempt) for every blocked attempt the supervisor reports, 'timeout' when timeoutMs killed the tree. */
  events: EventEmitter;
  attempts: JailAttempt[];
  /** Kill the whole tree (pidfd). */
  kill(signal?: NodeJS.Signals): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}
