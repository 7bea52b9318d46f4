// What each bypass case must do under each layer. For every case: the errno-style code each
// layer answers with when it is the first layer in force that stops the case (order:
// seccomp -> landlock -> mountns -> namespace — the order the kernel meets them), and whether
// a canary can see the attempt get through when nothing stops it (the positive control).
// `null` codes: the program's own error text does not carry one (the canary decides).
// `maybe`: a layer that is known NOT to be a reliable wall for this case (documented residual
// risk, e.g. TCP Fast Open past Landlock): with only such layers in force nothing is asserted.

export type BypassLayer = 'seccomp' | 'landlock' | 'mountns' | 'namespace' | 'node-permission';
export const LAYER_ORDER: readonly BypassLayer[] = ['node-permission', 'seccomp', 'landlock', 'mountns', 'namespace'];

export interface CaseSpec {
  blockers: Partial<Record<BypassLayer, readonly string[] | null>>;
  /** Canary key whose hit count proves the attempt got through (undefined: not observable). */
  canary?: string;
  /** When no layer stops it, the attempt itself reports 'through' (for non-network cases). */
  throughWhenOpen?: boolean;
  maybe?: readonly BypassLayer[];
  /** Per-case order when the kernel meets the layers differently (default LAYER_ORDER). */
  order?: readonly BypassLayer[];
}

const NODE = ['ERR_ACCESS_DENIED'];
const tcp = (name: string, extra: Partial<CaseSpec> = {}): [string, CaseSpec] => [name, {
  blockers: { 'node-permission': NODE, seccomp: ['EPERM'], landlock: ['EACCES'], namespace: ['ENETUNREACH'] }, canary: name, ...extra }];
const program = (name: string, seccomp: string[]): [string, CaseSpec] => [name, {
  blockers: { seccomp, landlock: ['EACCES'], namespace: ['ENETUNREACH'] }, canary: name }];

export const CASES: Record<string, CaseSpec> = Object.fromEntries([
  tcp('tcp4'),
  ['udp4', { blockers: { 'node-permission': NODE, seccomp: ['EPERM'], namespace: ['ENETUNREACH'] }, canary: 'udp4' }],
  tcp('tcp6', { blockers: { 'node-permission': NODE, seccomp: ['EPERM'], landlock: ['EACCES'], namespace: ['EADDRNOTAVAIL', 'ENETUNREACH'] } }),
  ['udp6', { blockers: { 'node-permission': NODE, seccomp: ['EPERM'], namespace: ['EADDRNOTAVAIL', 'ENETUNREACH'] }, canary: 'udp6' }],
  tcp('mapped_v4_in_v6'),
  tcp('numeric_decimal_host'),
  tcp('numeric_octal_host'),
  tcp('numeric_hex_host'),
  tcp('cloud_metadata'),
  tcp('host_own_address'),
  ['dns_lookup', { blockers: { 'node-permission': NODE, seccomp: ['EAI_AGAIN'], namespace: ['EAI_AGAIN'] }, canary: 'dns_lookup' }],
  ['dns_resolve_system', { blockers: { 'node-permission': NODE, seccomp: ['ECONNREFUSED'], namespace: ['ECONNREFUSED'] }, canary: 'dns_resolve_system' }],
  ['dns_resolve_direct_ip', { blockers: { 'node-permission': NODE, seccomp: ['ECONNREFUSED'], namespace: ['ECONNREFUSED'] }, canary: 'dns_resolve_direct_ip' }],
  ['getent', { blockers: { seccomp: null, namespace: null }, canary: 'getent' }],
  tcp('fetch'),
  tcp('http2'),
  // Node's WebSocket (undici) hides the errno behind a bare error event: the canary decides.
  ['websocket', { blockers: { 'node-permission': null, seccomp: null, landlock: null, namespace: null }, canary: 'websocket' }],
  ['udp_broadcast', { blockers: { 'node-permission': NODE, seccomp: ['EPERM'], namespace: ['ENETUNREACH'] } }],
  ['udp_multicast', { blockers: { 'node-permission': NODE, seccomp: ['EPERM'], namespace: ['ENETUNREACH'] } }],
  ['tcp_fast_open', { blockers: { seccomp: ['EPERM'], namespace: ['ENETUNREACH'] }, canary: 'tcp_fast_open', maybe: ['landlock'] }],
  ['mptcp', { blockers: { seccomp: ['EPERM'], namespace: ['ENETUNREACH'] }, canary: 'mptcp', maybe: ['landlock'] }],
  ['raw_icmp', { blockers: { seccomp: ['EPERM'], namespace: ['ENETUNREACH', 'EPERM'] } }],
  ['af_packet', { blockers: { seccomp: ['EPERM'] } }],
  ['af_netlink', { blockers: { seccomp: ['EPERM'] } }],
  ['af_vsock', { blockers: { seccomp: ['EPERM'] } }],
  ['io_uring', { blockers: { seccomp: ['ENOSYS'] }, throughWhenOpen: true }],
  // A filesystem unix socket crosses network namespaces and Landlock (ABI <= 7) does not cover
  // it: seccomp's connect() rule is the wall, the mount namespace hides /run.
  ['unix_fs_socket', { blockers: { 'node-permission': NODE, seccomp: ['EPERM'] }, canary: 'unix_fs_socket' }],
  ['unix_fs_socket_in_run', { blockers: { 'node-permission': NODE, seccomp: ['EPERM'], mountns: ['ENOENT'] }, canary: 'unix_fs_socket_in_run' }],
  // Abstract names live per network namespace: the lookup fails there before Landlock's
  // scope check (which runs on a found peer) is reached.
  ['unix_abstract_socket', { blockers: { 'node-permission': NODE, seccomp: ['EPERM'], landlock: ['EPERM'], namespace: ['ECONNREFUSED'] }, canary: 'unix_abstract_socket',
    order: ['node-permission', 'seccomp', 'namespace', 'landlock'] }],
  ['unix_dgram_sendto_path', { blockers: { seccomp: ['EPERM'] }, canary: 'unix_dgram' }],
  ['unix_dgram_socketpair_sendto', { blockers: { seccomp: ['EPERM'] }, canary: 'unix_dgram' }],
  program('python_socket', ['EPERM']),
  program('bash_dev_tcp', ['EPERM']),
  program('curl', ['EPERM', 'EXIT_7']),
  program('wget', ['EPERM']),
  tcp('worker_threads'),
  tcp('tcp_wrap_binding'),
  ['write_outside_allowed', { blockers: { 'node-permission': NODE, landlock: ['EACCES'] }, throughWhenOpen: true }],
  ['write_inside_allowed', { blockers: {}, throughWhenOpen: true }],
] as [string, CaseSpec][]);

export interface CaseResult { status: 'through' | 'blocked' | 'skipped'; code?: string; detail?: string }

export type Verdict =
  | { kind: 'blocked'; by: BypassLayer; codes: readonly string[] | null }
  | { kind: 'open' }
  | { kind: 'unasserted'; why: string };

/** What the case must do given the layers in force. */
export function expected(spec: CaseSpec, inForce: ReadonlySet<BypassLayer>): Verdict {
  for (const layer of spec.order ?? LAYER_ORDER) {
    if (!inForce.has(layer)) continue;
    if (layer in spec.blockers) return { kind: 'blocked', by: layer, codes: spec.blockers[layer] ?? null };
    if (spec.maybe?.includes(layer)) return { kind: 'unasserted', why: `${layer} is a known residual gap for this case (see docs/security/isolation-model.md)` };
  }
  return { kind: 'open' };
}
