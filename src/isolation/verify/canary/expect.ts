// What each kernel layer makes a blocked attempt look like, in the order the kernel asks them:
// seccomp refuses socket() itself (EPERM); then, at connect(), Landlock refuses TCP (EACCES)
// — it does not cover UDP at all; last, a private network namespace has no route and no
// listener (ECONNREFUSED on its own lo, ENETUNREACH when lo is down or for any other address).
export type Probe = 'tcp' | 'udp' | 'dns' | 'ext-tcp' | 'ext-udp';

const NAMESPACE: Record<Probe, string[]> = {
  tcp: ['ECONNREFUSED', 'ENETUNREACH'],
  // A datagram into the jail's own empty lo is "sent" and lost; the canary count proves it.
  udp: ['sent', 'ENETUNREACH'],
  dns: ['ECONNREFUSED', 'ETIMEOUT', 'ENETUNREACH', 'ESERVFAIL', 'EREFUSED'],
  'ext-tcp': ['ENETUNREACH', 'EHOSTUNREACH'],
  'ext-udp': ['ENETUNREACH', 'EHOSTUNREACH'],
};

/** Outcomes a probe may have when it was stopped by the given set of layers in force; null: nothing in force stops it. */
export function expectedOutcomes(probe: Probe, layers: ReadonlySet<string>): Set<string> | null {
  if (layers.has('seccomp')) {
    // c-ares reports its refused socket() as a connection failure of its own.
    return probe === 'dns' ? new Set(['EPERM', 'ECONNREFUSED', 'ESERVFAIL', 'ETIMEOUT', 'EREFUSED']) : new Set(['EPERM']);
  }
  const tcp = probe === 'tcp' || probe === 'ext-tcp';
  if (tcp && layers.has('landlock')) return new Set(['EACCES']);
  if (layers.has('namespace')) return new Set(NAMESPACE[probe]);
  return null;
}
