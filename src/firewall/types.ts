// Shapes shared by the rule generators, the CLI and the loaded-rules check.

/** Every platform `hermetic firewall TARGET` can write rules for. */
export const FIREWALL_TARGETS = ['nftables', 'iptables', 'ip6tables', 'pf', 'windows', 'systemd', 'docker'] as const;
export type FirewallTarget = (typeof FIREWALL_TARGETS)[number];

/** Which loopback traffic of Hermetic's identity stays allowed. */
export type LoopbackPolicy =
  /** Only the UI/API port (default): closes the local DNS stub (127.0.0.53), local proxies, other local services. */
  | 'port'
  /** All loopback traffic (for set-ups where something else on loopback is really needed). */
  | 'any';

/** The identity whose outbound traffic is blocked. */
export interface FirewallIdentity {
  uid: number;
  /** The user name, when known (pf and systemd print it; numeric rules use the uid). */
  user?: string;
}

/** Everything a generator needs, already validated (see options.ts). */
export interface FirewallSpec {
  /** Required by the uid-based targets (nftables, iptables, ip6tables, pf). */
  identity?: FirewallIdentity;
  /** User name for targets that create/run as a dedicated user (systemd, docker). */
  serviceUser: string;
  /** The UI/API port on loopback. */
  port: number;
  loopback: LoopbackPolicy;
  /** Absolute paths of the programs to block (windows); programs[0] is the Node binary (systemd ExecStart). */
  programs: string[];
  /** cgroup v2 path relative to /sys/fs/cgroup (e.g. system.slice/hermetic.service), nftables only. */
  cgroup?: string;
  /** Absolute path of the CLI entry (dist/src/cli/main.js) for ExecStart lines. */
  cliPath: string;
  /** Data folder used by the systemd unit and the container. */
  dataDir: string;
}

/** One generated file: its suggested name and its text, ready to paste or pipe. */
export interface GeneratedFile {
  name: string;
  content: string;
}

export interface GeneratedRules {
  target: FirewallTarget;
  files: GeneratedFile[];
}

export type LoadedStatus = 'loaded' | 'not-loaded' | 'unknown';

/** What one rule set in the kernel says about Hermetic's rules. */
export interface LoadedRuleset {
  /** Where it was read from: the nftables table or the iptables/ip6tables chain. */
  source: 'nftables' | 'iptables' | 'ip6tables';
  /** Address families it covers. */
  families: Array<'ipv4' | 'ipv6'>;
  /** uids whose traffic it drops. */
  uids: number[];
  /** cgroup v2 paths whose traffic it drops (nftables only). */
  cgroups: string[];
  /** Packets/bytes the drop rules stopped so far (null when the rule has no counter). */
  dropped: { packets: number; bytes: number } | null;
}

export interface LoadedRulesResult {
  status: LoadedStatus;
  /** Compatibility with the verifier's check: true = loaded, false = not loaded, null = unknown. */
  loaded: boolean | null;
  /** One sentence a person can read. */
  detail: string;
  /** Why this status (e.g. the tool's error, or which family is missing). */
  reason: string;
  /** The uid the answer is about (this process's, unless asked for another). */
  uid: number;
  rulesets: LoadedRuleset[];
}
