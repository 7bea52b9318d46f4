// Contract of the tripwire (in-process network guard).

export type AttemptKind = 'network' | 'dns' | 'p2p' | 'process_spawn' | 'hole';

/** One blocked attempt, as seen in-process. Privacy-safe: a destination and a culprit, no payload. */
export interface Attempt {
  kind: AttemptKind;
  /** The API used, e.g. 'net.Socket.connect', 'https.request', 'dns.lookup', 'fetch', 'require', 'child_process.spawn'. */
  api: string;
  host?: string;
  port?: number;
  family?: 'IPv4' | 'IPv6' | 'unix' | string;
  protocol?: 'tcp' | 'udp' | 'http' | 'https' | 'ws' | 'dns' | string;
  /** Module name for p2p loads; program for process spawns. */
  target?: string;
  /** First package on the stack outside the tripwire and Node internals ("app" for our code). */
  package: string;
  stackTop?: string;
  pid: number;
  jobId?: string;
  ts: string;
}

/** The one error class; `code` is stable. */
export const NETWORK_BLOCKED_CODE = 'ERR_NETWORK_ISOLATED';

export interface TripwireOptions {
  /** Exact loopback ports our own IPC may connect to. */
  allowLoopbackPorts?: number[];
  /** Exact unix socket paths our own IPC may connect to. */
  allowUnixPaths?: string[];
  jobId?: string;
}

export interface TripwireStatus {
  installed: boolean;
  hooks: Record<string, boolean>;
  witnesses: Record<string, boolean>;
  attempts: number;
}

/** IPC message a Node child sends to its parent for each attempt (process.send). */
export interface AttemptMessage {
  hermetic: 'attempt';
  attempt: Attempt;
}
