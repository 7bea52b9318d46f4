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

/** Escapes the supervisor reports as what they are (each becomes its own event type). */
export type JailEscapeKind = 'setns' | 'pidfd_getfd' | 'ptrace' | 'seccomp_listener' | 'foreign_syscall';

/** A process of the jail, as a parent in JailAttempt.parents. */
export interface JailProcessRef {
  pid: number;
  /** The executable's file name (e.g. 'sh'). */
  program: string;
}

/** A blocked attempt reported by the supervisor (seccomp user notification). */
export interface JailAttempt {
  /** The process (thread-group id, host view) — not the thread that made the call. */
  pid: number;
  /** The thread that made the call (differs from pid in a multi-threaded program). */
  tid?: number;
  /** The process's pid inside the jail's own PID namespace (what a jailed reader — the paranoid
   *  server — knows it by); absent without a PID namespace. */
  nsPid?: number;
  syscall: string; // 'socket' | 'socketpair' | 'connect' | 'sendto' | 'sendmsg' | 'sendmmsg' | escape syscalls (io_uring is refused in-kernel, unreported)
  family?: string; // 'AF_INET' ...
  type?: string; // 'SOCK_STREAM' ...
  address?: string;
  port?: number;
  path?: string;
  /** Display form of where it was going: "ip:port", "[v6]:port", a unix path, "@abstract". */
  destination?: string;
  /** The name asked for, when the attempt was a DNS query (decoded from the datagram). */
  dnsName?: string;
  /** Its query type(s), e.g. 'A,AAAA'. */
  dnsType?: string;
  /** The executable's file name, e.g. 'curl' (from /proc/PID/exe; the kernel's view). */
  program?: string;
  /** The kernel's short thread name (may be a thread name such as 'node-MainThread'). */
  comm?: string;
  /** Absolute path of the executable. */
  exe?: string;
  /** argv[0] as the process set it (its own memory: informative only). */
  argv0?: string;
  /** Parents, nearest first, up to and including the jailed command. */
  parents?: JailProcessRef[];
  /** Set for an escape attempt (setns, pidfd_getfd, ptrace, a seccomp listener, a foreign-ABI syscall). */
  escape?: JailEscapeKind;
  /** Foreign-ABI syscall: 'i386' or 'x32', and its number. */
  arch?: string;
  nr?: number;
  /** 'killed' for a foreign-ABI syscall (the process was killed). */
  action?: string;
  /** 'recorded': a datagram connect() answered without being performed (its send is then seen and refused). */
  outcome?: string;
  /** TCP Fast Open (sendto/sendmsg with MSG_FASTOPEN). */
  tfo?: boolean;
  ts: string;
  /** Error the call got: 'EPERM' (absent when nothing was refused yet, see outcome). */
  errno?: string;
  /** socket(): protocol number; sendto()/sendmsg(): flags (e.g. MSG_FASTOPEN). */
  protocol?: number;
  flags?: number;
}

/** Not an attempt: something worth one line at info (the glibc nscd probe, once per run). */
export interface JailNotice {
  kind: 'nscd' | string;
  pid: number;
  program?: string;
  exe?: string;
  destination?: string;
  ts: string;
}

/** A stdio descriptor that was a network socket, relayed through a pipe by the supervisor. */
export interface RelayedStdio {
  fd: number;
  family: string;
  type: string;
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
  /** Fail closed (JAIL_LAYER_UNAVAILABLE, nothing started) unless at least one of these layers is in force. */
  requireAny?: LayerName[];
  /** Called for every attempt as soon as it is read, including those that arrive with the start-up
   *  (before spawn() resolves): nothing can be missed, unlike a listener attached afterwards. */
  onAttempt?: (attempt: JailAttempt) => void;
  /** Called for every notice (e.g. the nscd probe, once per run). */
  onNotice?: (notice: JailNotice) => void;
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
  /** Emits 'attempt' (JailAttempt) for every blocked attempt the supervisor reports (those that
   *  arrived before spawn() resolved are emitted right after the caller's continuation),
   *  'notice' (JailNotice), 'timeout' when timeoutMs killed the tree. */
  events: EventEmitter;
  attempts: JailAttempt[];
  /** Notices (not attempts): the nscd probe, once per run. */
  notices?: JailNotice[];
  /** The jail's own PID namespace is in force (its init is initPid); false without the namespace layer. */
  pidNamespace?: boolean;
  initPid?: number;
  /** Stdio descriptors that were network sockets and are relayed through pipes. */
  relayed?: RelayedStdio[];
  /** Kill the whole tree (pidfd). */
  kill(signal?: NodeJS.Signals): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}
