// What each bypass case must do under each layer. For every case: the errno-style code each
// layer answers with when it is the first layer in force that stops the case (order:
// node-permission -> seccomp -> landlock -> mountns -> namespace, the order the kernel meets
// them, unless a case says otherwise), and how the attempt is seen to get through when nothing
// stops it (the positive control): a canary's hit count, or the attempt itself succeeding.
// `null` codes: the program's own error text does not carry one (the canary decides).
// `maybe`: a layer known NOT to be a reliable wall for this case (documented residual risk,
// e.g. TCP Fast Open past Landlock). It is stepped over: a later layer in force must still stop
// the case (and may be beaten to it by the maybe layer, whose code is then accepted too); with
// only maybe layers in force nothing is asserted.

export type BypassLayer = 'seccomp' | 'landlock' | 'mountns' | 'namespace' | 'node-permission';
export const LAYER_ORDER: readonly BypassLayer[] = ['node-permission', 'seccomp', 'landlock', 'mountns', 'namespace'];

/** What the supervisor's report of a case must carry (for the report-coverage figure). */
export interface ReportSpec {
  /** The blocked call, e.g. 'connect'; a list when more than one may be first. */
  syscall?: readonly string[];
  /** Where it was going (where the blocked call names a destination), from the lab's case data. */
  destination?: (lab: LabCase) => string;
  /** The DNS name asked for. */
  dnsName?: string;
  /** For calls refused at socket(): the family (there is no destination yet). */
  family?: string;
  /** An escape attempt's kind. */
  escape?: string;
}

/** The lab's data for one case (ports, paths; see test/fixtures/jail/lab.mjs). */
export interface LabCase { host?: string; tcp?: number; udp?: number; path?: string | null; pid?: number; port?: number }

export interface CaseSpec {
  blockers: Partial<Record<BypassLayer, readonly string[] | null>>;
  /** Canary key whose hit count proves the attempt got through (undefined: not observable). */
  canary?: string;
  /** When no layer stops it, the attempt itself reports 'through' (no canary can see it). */
  throughWhenOpen?: boolean;
  /** Layers that are no reliable wall for this case, with the code each gives when it does stop it. */
  maybe?: Partial<Record<BypassLayer, readonly string[]>>;
  /** Per-case order when the kernel meets the layers differently (default LAYER_ORDER). */
  order?: readonly BypassLayer[];
  /** With no layer, an ordinary (unprivileged) user is refused by the kernel's own permission
   *  checks (CAP_NET_RAW, CAP_SYS_ADMIN): the codes it gets then. */
  unprivilegedOpen?: readonly string[];
  /** What a seccomp report of it must carry; absent: not a reported network attempt (io_uring is
   *  refused silently; writes are Landlock's, which reports nothing). With the namespace layer
   *  in force the supervisor sees destinations; without it, the wall (and the report) is socket(). */
  report?: { withNamespace: ReportSpec; withoutNamespace: ReportSpec };
}

const NODE = ['ERR_ACCESS_DENIED'];
const at = (host: string) => (lab: LabCase) => `${host.includes(':') ? `[${host}]` : host}:${lab.tcp ?? lab.udp}`;
const hostPort = (lab: LabCase) => at(lab.host ?? '?')(lab);
/** An IP attempt: with the namespace, reported at connect/send with its destination; without it, at socket(). */
const ip = (family: 'AF_INET' | 'AF_INET6', syscall: readonly string[], destination: (lab: LabCase) => string = hostPort): CaseSpec['report'] =>
  ({ withNamespace: { syscall, destination }, withoutNamespace: { syscall: ['socket'], family } });
const atSocket = (family: string, syscall: readonly string[] = ['socket']): CaseSpec['report'] =>
  ({ withNamespace: { syscall, family }, withoutNamespace: { syscall, family } });
const dns = (name: string, syscall: readonly string[], destination?: (lab: LabCase) => string): CaseSpec['report'] =>
  ({ withNamespace: { syscall, dnsName: name, ...(destination ? { destination } : {}) }, withoutNamespace: { syscall: ['socket'], family: 'AF_INET' } });
const escape = (kind: string, syscall: string): CaseSpec['report'] => ({ withNamespace: { syscall: [syscall], escape: kind }, withoutNamespace: { syscall: [syscall], escape: kind } });

const tcp = (name: string, extra: Partial<CaseSpec> = {}): [string, CaseSpec] => [name, {
  blockers: { 'node-permission': NODE, seccomp: ['EPERM'], landlock: ['EACCES'], namespace: ['ENETUNREACH'] }, canary: name, report: ip('AF_INET', ['connect']), ...extra }];
const program = (name: string, seccomp: string[]): [string, CaseSpec] => [name, {
  blockers: { seccomp, landlock: ['EACCES'], namespace: ['ENETUNREACH'] }, canary: name, report: ip('AF_INET', ['connect']) }];

export const CASES: Record<string, CaseSpec> = Object.fromEntries([
  tcp('tcp4'),
  ['udp4', { blockers: { 'node-permission': NODE, seccomp: ['EPERM'], namespace: ['ENETUNREACH'] }, canary: 'udp4', report: ip('AF_INET', ['sendmsg', 'sendmmsg']) }],
  tcp('tcp6', { blockers: { 'node-permission': NODE, seccomp: ['EPERM'], landlock: ['EACCES'], namespace: ['EADDRNOTAVAIL', 'ENETUNREACH'] }, report: ip('AF_INET6', ['connect']) }),
  ['udp6', { blockers: { 'node-permission': NODE, seccomp: ['EPERM'], namespace: ['EADDRNOTAVAIL', 'ENETUNREACH'] }, canary: 'udp6', report: ip('AF_INET6', ['sendmsg', 'sendmmsg']) }],
  tcp('mapped_v4_in_v6', { report: ip('AF_INET6', ['connect'], (lab) => `[::ffff:${lab.host}]:${lab.tcp}`) }),
  tcp('numeric_decimal_host'),
  tcp('numeric_octal_host'),
  tcp('numeric_hex_host'),
  tcp('cloud_metadata'),
  tcp('host_own_address'),
  ['dns_lookup', { blockers: { 'node-permission': NODE, seccomp: ['EAI_AGAIN'], namespace: ['EAI_AGAIN'] }, canary: 'dns_lookup',
    report: dns('dns-lookup.hermetic-canary.invalid', ['sendmmsg', 'sendto'], () => '192.0.2.53:53') }],
  ['dns_resolve_system', { blockers: { 'node-permission': NODE, seccomp: ['ECONNREFUSED'], namespace: ['ECONNREFUSED'] }, canary: 'dns_resolve_system',
    report: dns('dns-resolve-system.hermetic-canary.invalid', ['sendto'], () => '192.0.2.53:53') }],
  ['dns_resolve_direct_ip', { blockers: { 'node-permission': NODE, seccomp: ['ECONNREFUSED'], namespace: ['ECONNREFUSED'] }, canary: 'dns_resolve_direct_ip',
    report: dns('hermetic-canary.invalid', ['sendto'], hostPort) }],
  ['getent', { blockers: { seccomp: null, namespace: null }, canary: 'getent', report: dns('getent.hermetic-canary.invalid', ['sendmmsg', 'sendto'], () => '192.0.2.53:53') }],
  tcp('fetch'),
  tcp('http2'),
  // Node's WebSocket (undici) hides the errno behind a bare error event: the canary decides.
  ['websocket', { blockers: { 'node-permission': null, seccomp: null, landlock: null, namespace: null }, canary: 'websocket', report: ip('AF_INET', ['connect']) }],
  ['udp_broadcast', { blockers: { 'node-permission': NODE, seccomp: ['EPERM'], namespace: ['ENETUNREACH'] }, canary: 'udp_broadcast',
    report: ip('AF_INET', ['sendmsg', 'sendmmsg'], (lab) => `255.255.255.255:${lab.udp}`) }],
  ['udp_multicast', { blockers: { 'node-permission': NODE, seccomp: ['EPERM'], namespace: ['ENETUNREACH'] }, canary: 'udp_multicast',
    report: ip('AF_INET', ['sendmsg', 'sendmmsg'], (lab) => `239.255.255.250:${lab.udp}`) }],
  ['tcp_fast_open', { blockers: { seccomp: ['EPERM'], namespace: ['ENETUNREACH'] }, canary: 'tcp_fast_open', maybe: { landlock: ['EACCES'] },
    report: ip('AF_INET', ['sendto']) }],
  ['mptcp', { blockers: { seccomp: ['EPERM'], namespace: ['ENETUNREACH'] }, canary: 'mptcp', maybe: { landlock: ['EACCES'] }, report: ip('AF_INET', ['connect']) }],
  // Raw sockets stay refused at socket() in every mode: no destination exists yet.
  ['raw_icmp', { blockers: { seccomp: ['EPERM'], namespace: ['ENETUNREACH', 'EPERM'] }, throughWhenOpen: true, unprivilegedOpen: ['EPERM'], report: atSocket('AF_INET') }],
  ['af_packet', { blockers: { seccomp: ['EPERM'] }, throughWhenOpen: true, unprivilegedOpen: ['EPERM'], report: atSocket('AF_PACKET') }],
  ['af_netlink', { blockers: { seccomp: ['EPERM'] }, throughWhenOpen: true, report: atSocket('AF_NETLINK') }],
  ['af_vsock', { blockers: { seccomp: ['EPERM'] }, throughWhenOpen: true, report: atSocket('AF_VSOCK') }],
  ['io_uring', { blockers: { seccomp: ['ENOSYS'] }, throughWhenOpen: true }],
  // A filesystem unix socket crosses network namespaces and Landlock (ABI <= 7) does not cover
  // it: seccomp's connect() rule is the wall, the mount namespace hides /run.
  ['unix_fs_socket', { blockers: { 'node-permission': NODE, seccomp: ['EPERM'] }, canary: 'unix_fs_socket',
    report: { withNamespace: { syscall: ['connect'], destination: (lab) => lab.path ?? '?' }, withoutNamespace: { syscall: ['connect'], destination: (lab) => lab.path ?? '?' } } }],
  ['unix_fs_socket_in_run', { blockers: { 'node-permission': NODE, seccomp: ['EPERM'], mountns: ['ENOENT'] }, canary: 'unix_fs_socket_in_run',
    report: { withNamespace: { syscall: ['connect'], destination: (lab) => lab.path ?? '?' }, withoutNamespace: { syscall: ['connect'], destination: (lab) => lab.path ?? '?' } } }],
  // Abstract names live per network namespace: the lookup fails there before Landlock's
  // scope check (which runs on a found peer) is reached.
  ['unix_abstract_socket', { blockers: { 'node-permission': NODE, seccomp: ['EPERM'], landlock: ['EPERM'], namespace: ['ECONNREFUSED'] }, canary: 'unix_abstract_socket',
    order: ['node-permission', 'seccomp', 'namespace', 'landlock'],
    report: { withNamespace: { syscall: ['connect'], destination: (lab) => `@${lab.path ?? '?'}` }, withoutNamespace: { syscall: ['connect'], destination: (lab) => `@${lab.path ?? '?'}` } } }],
  // Unix datagram sockets are refused at creation (a sendmsg to a path needs no connect()).
  ['unix_dgram_sendto_path', { blockers: { seccomp: ['EPERM'] }, canary: 'unix_dgram', report: atSocket('AF_UNIX') }],
  ['unix_dgram_socketpair_sendto', { blockers: { seccomp: ['EPERM'] }, canary: 'unix_dgram', report: atSocket('AF_UNIX', ['socketpair']) }],
  program('python_socket', ['EPERM']),
  program('bash_dev_tcp', ['EPERM']),
  program('curl', ['EPERM', 'EXIT_7']),
  program('wget', ['EPERM']),
  tcp('worker_threads'),
  tcp('tcp_wrap_binding'),
  // A 32-bit x86 program (int 0x80 / socketcall): killed by the filter — reported and SIGKILLed
  // by the supervisor. Without seccomp its TCP connect meets Landlock and the namespace as usual.
  ['i386_connect', { blockers: { seccomp: ['EXIT_SIGKILL'], landlock: ['EACCES'], namespace: ['ENETUNREACH'] }, canary: 'i386_connect', report: { withNamespace: { syscall: ['socket', 'socketcall'], escape: 'foreign_syscall' }, withoutNamespace: { syscall: ['socket', 'socketcall'], escape: 'foreign_syscall' } } }],
  // The x32 ABI: killed too. 'through' when open means it ran (ENOSYS on a kernel without x32).
  ['x32_socket', { blockers: { seccomp: ['EXIT_SIGKILL'] }, throughWhenOpen: true, report: escape('foreign_syscall', 'socket') }],
  // Stealing a connected socket from a process outside the jail. With the PID namespace the
  // process does not exist for the jail (pidfd_open fails before pidfd_getfd is reached);
  // Landlock refuses ptrace-class access outside its domain.
  ['pidfd_steal', { blockers: { seccomp: ['EPERM'], landlock: ['EPERM'], namespace: ['ESRCH'] }, canary: 'pidfd_steal',
    order: ['namespace', 'seccomp', 'landlock'], report: escape('pidfd_getfd', 'pidfd_getfd') }],
  // Joining the network namespace of a process outside (its canary listens on its own lo).
  // Inside the jail's mount namespace /proc has no such process; Landlock refuses opening another
  // domain's namespace file (a ptrace-class access) before setns is even called; a user
  // namespace has no CAP_SYS_ADMIN over it. An ordinary user cannot join it anyway (setns needs
  // CAP_SYS_ADMIN: the kernel says EPERM).
  ['setns_escape', { blockers: { seccomp: ['EPERM'], landlock: ['EACCES'], namespace: ['ENOENT', 'EPERM'] }, canary: 'setns_escape',
    order: ['namespace', 'landlock', 'seccomp'], unprivilegedOpen: ['EPERM'], report: escape('setns', 'setns') }],
  ['write_outside_allowed', { blockers: { 'node-permission': NODE, landlock: ['EACCES'] }, throughWhenOpen: true }],
  ['write_inside_allowed', { blockers: {}, throughWhenOpen: true }],
] as [string, CaseSpec][]);

export interface CaseResult { status: 'through' | 'blocked' | 'skipped'; code?: string; detail?: string }

export type Verdict =
  | { kind: 'blocked'; by: BypassLayer | typeof KERNEL_PERMISSIONS; codes: readonly string[] | null }
  | { kind: 'open' }
  | { kind: 'unasserted'; why: string };

/** The kernel's own permission checks (CAP_NET_RAW, CAP_SYS_ADMIN) stop an ordinary user right
 *  after seccomp's entry filter: a pseudo-layer, in force for an unprivileged run. */
const KERNEL_PERMISSIONS = 'kernel-permissions';

/** What the case must do given the layers in force (and whether it runs as an ordinary user). */
export function expected(spec: CaseSpec, inForce: ReadonlySet<BypassLayer>, unprivileged = false): Verdict {
  const maybeCodes: string[] = [];
  let maybeSeen: BypassLayer | null = null;
  const order = spec.order ?? LAYER_ORDER;
  const seccompAt = order.indexOf('seccomp');
  const steps: (BypassLayer | typeof KERNEL_PERMISSIONS)[] = [...order.slice(0, seccompAt + 1), KERNEL_PERMISSIONS, ...order.slice(seccompAt + 1)];
  for (const layer of steps) {
    if (layer === KERNEL_PERMISSIONS) {
      if (unprivileged && spec.unprivilegedOpen) return { kind: 'blocked', by: KERNEL_PERMISSIONS, codes: spec.unprivilegedOpen };
      continue;
    }
    if (!inForce.has(layer)) continue;
    if (layer in spec.blockers) {
      const codes = spec.blockers[layer] ?? null;
      return { kind: 'blocked', by: layer, codes: codes && maybeCodes.length ? [...codes, ...maybeCodes] : codes };
    }
    const m = spec.maybe?.[layer];
    if (m) { maybeSeen ??= layer; maybeCodes.push(...m); }
  }
  if (maybeSeen) return { kind: 'unasserted', why: `${maybeSeen} is a known residual gap for this case (see docs/security/isolation-model.md) and no other layer in force covers it` };
  return { kind: 'open' };
}

/** What a seccomp report of a blocked case must carry, given whether the namespace layer was in force. */
export function reportSpec(spec: CaseSpec, namespace: boolean): ReportSpec | null {
  if (!spec.report) return null;
  return namespace ? spec.report.withNamespace : spec.report.withoutNamespace;
}
