// Small wording helpers shared by the generators' comments.
import type { FirewallSpec } from '../types.js';

/** "uid 999 (hermetic)" or "uid 999", plus the cgroup when there is one. */
export function who(spec: FirewallSpec): string {
  const parts: string[] = [];
  if (spec.identity) parts.push(spec.identity.user ? `uid ${spec.identity.uid} (${spec.identity.user})` : `uid ${spec.identity.uid}`);
  if (spec.cgroup) parts.push(`cgroup ${spec.cgroup}`);
  return parts.join(' and ') || 'Hermetic';
}
