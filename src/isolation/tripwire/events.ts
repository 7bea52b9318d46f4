// How an Attempt maps onto the security-event vocabulary (src/events/types.ts), so the server
// and the monitor name them the same way. Privacy-safe: destination and culprit, no payload.
import type { Attempt, AttemptKind } from './types.js';

export type AttemptEventType = 'network_attempt' | 'dns_blocked' | 'p2p_blocked' | 'process_spawn_blocked' | 'monitor_hole';

const TYPE_BY_KIND: Record<AttemptKind, AttemptEventType> = {
  network: 'network_attempt',
  dns: 'dns_blocked',
  p2p: 'p2p_blocked',
  process_spawn: 'process_spawn_blocked',
  hole: 'monitor_hole',
};

export interface AttemptEvent {
  type: AttemptEventType;
  severity: 'warning' | 'critical';
  details: Record<string, unknown>;
  dedupKey: string;
}

/** The security event for an attempt: a hole in the tripwire is critical, a block is a warning. */
export function eventForAttempt(a: Attempt): AttemptEvent {
  const details: Record<string, unknown> = { detector: 'tripwire', ...a };
  return {
    type: TYPE_BY_KIND[a.kind],
    severity: a.kind === 'hole' ? 'critical' : 'warning',
    details,
    dedupKey: [a.kind, a.api, a.host ?? '', a.port ?? '', a.target ?? '', a.package, a.pid].join('|'),
  };
}
