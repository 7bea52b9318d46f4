// Contract of `hermetic prove`: what the trap records, what the scenario observes, and the one
// JSON object the command prints.

/** The trap's fixed addresses: documentation ranges, used only inside namespaces we create. */
export const TRAP = {
  /** The jail side ("this machine"): where the server and `hermetic run` live. */
  sealedV4: '192.0.2.1',
  sealedV6: '2001:db8::1',
  /** The far end of the veth: the trap's "internet" (gateway, resolver, every TCP port). */
  worldV4: '192.0.2.2',
  worldV6: '2001:db8::2',
  /** The veth's two ends share these small subnets; everything else is off-link (via the world). */
  linkV4: '192.0.2.0/30',
  linkV6: '2001:db8::/126',
  /** Off-link destinations the fixture aims at (they reach the world through the default route). */
  farV4: '192.0.2.80',
  /** Positive control: a destination nothing else uses. */
  controlV4: '192.0.2.99',
  controlPort: 9,
  controlName: 'control.hermetic-prove.invalid',
  /** Every name the fixture asks for ends with this (RFC 6761: never a real name). */
  nameSuffix: 'hermetic-prove.invalid',
  sealedIf: 'hprove-s',
  worldIf: 'hprove-w',
} as const;

export type Verdict = 'sealed' | 'leaked' | 'void';

/** A frame the recorder saw arrive at the world from the jail side. */
export interface Frame {
  /** Seconds since the epoch (microsecond precision). */
  ts: number;
  /** true: sent by the jail side (arrived at the world); false: sent by the world. */
  inbound: boolean;
  kind: 'arp' | 'ipv4' | 'ipv6' | 'other';
  etherType: number;
  src?: string;
  dst?: string;
  proto?: 'tcp' | 'udp' | 'icmp' | 'icmpv6' | string;
  sport?: number;
  dport?: number;
  /** TCP flags as letters (S, A, F, R, P). */
  flags?: string;
  icmpType?: number;
  /** DNS query name, when the frame is a DNS question. */
  dnsName?: string;
  length: number;
}

/** What the world's services logged (DNS questions, TCP connections). */
export type WorldEvent =
  | { type: 'dns'; ts: number; transport: 'udp' | 'tcp'; from: string; fromPort: number; to: string; name: string; qtype: string }
  | { type: 'tcp'; ts: number; from: string; fromPort: number; to: string; toPort: number; bytes: number; http?: string; host?: string; sni?: string };

/** One blocked attempt, as a layer (or the program that was stopped) reported it. */
export interface AttemptReport {
  /** Where it ran: through the server (a conversion job) or through `hermetic run`. */
  path: 'server' | 'run';
  /** The layer that stopped it: tripwire, node-permission, seccomp, landlock, namespace, mountns, monitor, or unknown. */
  layer: string;
  /** Who reported it: the tripwire, the jail supervisor (seccomp), the runtime monitor, or the program itself. */
  reportedBy: 'tripwire' | 'seccomp' | 'monitor' | 'program';
  /** Program (for processes) or package (for in-process calls), as the reporter named it. */
  culprit: string;
  /** host:port, a DNS name or a socket path; "" when the reporter saw none (e.g. socket()). */
  destination: string;
  /** API or syscall. */
  call: string;
  pid?: number;
  jobId?: string;
  /** The attempt of the fixture this belongs to (fetch, tcp, udp, dns, curl), when known. */
  attempt?: string;
  detail?: string;
}

/** One conversion through the API. */
export interface ConversionReport {
  converter: string;
  origin: string;
  from: string;
  to: string;
  ok: boolean;
  ms: number;
  bytesIn: number;
  bytesOut?: number;
  error?: { code: string; message: string };
  /** Why a converter was not exercised (no sample input for any of its pairs). */
  skipped?: string;
}

/** What the hostile fixture itself saw for one attempt. */
export interface FixtureOutcome {
  path: 'server' | 'run';
  attempt: string;
  target: string;
  outcome: 'blocked' | 'reached' | 'skipped' | 'no-answer';
  code?: string;
  message?: string;
  /** The layer the error code points at. */
  layer?: string;
  /** When the try ran (ms since the epoch), as the fixture's clock says. */
  startedAt?: number;
  endedAt?: number;
}

/** A flow that reached the world and was not the positive control. */
export interface Leak {
  proto: string;
  from: string;
  to: string;
  frames: number;
  firstSeen: string;
  /** What the world learned: a DNS name, an HTTP Host, a TLS server name. */
  name?: string;
  /** Which step of the proof this matches (by the fixture's destination signature), if any. */
  attributedTo?: string;
}

export interface ControlReport {
  /** Each deliberate unjailed contact, and whether the trap saw it in the frames AND its logs. */
  probes: { when: 'before' | 'after'; what: string; seenFrames: boolean; seenByWorld: boolean; error?: string }[];
  ok: boolean;
}

export interface TrapReport {
  mode: 'root' | 'user-namespace';
  recorder: string;
  catchAll: string;
  resolver: string;
  frames: { total: number; inbound: number; housekeeping: number; control: number; kernelDrops: number };
  pcap?: string;
}

export interface ProveReport {
  verdict: Verdict;
  packetsLeft: number;
  attempts: AttemptReport[];
  conversions: ConversionReport[];
  /** Why the verdict is what it is, in one line. */
  reason: string;
  leaks: Leak[];
  control: ControlReport;
  fixture: FixtureOutcome[];
  trap: TrapReport | null;
  strictness: string;
  /** HERMETIC_JAIL_FAULT, when the jail was weakened on purpose. */
  faults: string[];
  warnings: string[];
  startedAt: string;
  durationMs: number;
  /** Milliseconds per step inside the trap (trap, controlBefore, serverStart, conversions, …). */
  timings?: Record<string, number>;
  /** Set by --keep: the folder with the pcap, the world's log and the server's log. */
  keptIn?: string;
}

/** What the outer command hands to the process inside the trap (a JSON file). */
export interface TrapPlan {
  workDir: string;
  dataDir: string;
  convertersDir: string;
  strictness: string;
  /** Node binary and the CLI's main.js. */
  node: string;
  mainJs: string;
  /** Outer identity: the server and `hermetic run` run as this uid/gid (user-namespace mode). */
  uid: number;
  gid: number;
  mode: 'root' | 'user-namespace';
  /** Where the result is written. */
  resultFile: string;
  deadlineMs: number;
}
