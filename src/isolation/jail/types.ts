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
}

/** A blocked attempt reported by the supervisor (seccomp user notification). */
export interface JailAttempt {
  pid: number;
  syscall: string; // 'socket' | 'socketpair' | 'connect' | 'sendto' | 'sendmsg' | 'io_uring_setup' ...
  family?: string; // 'AF_INET' ...
  type?: string; // 'SOCK_STREAM' ...
  address?: string;
  port?: number;
  path?: string;
  ts: string;
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
}

export interface JailHandle {
  child: ChildProcess;
  pid: number;
  layers: LayerState[];
  /** Emits 'attempt' (JailAttempt) for every blocked attempt the supervisor reports. */
  events: EventEmitter;
  attempts: JailAttempt[];
  /** Kill the whole tree (pidfd). */
  kill(signal?: NodeJS.Signals): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}
