// From an observed attempt to a security_events row. Details are privacy-safe: which detector,
// which API or syscall, the destination, the package or program, pid and job — never payloads,
// never file contents or file names.
import type { NewSecurityEvent, SecurityEventType, Severity } from '../../events/types.js';
import { destinationOf as jailDestination } from '../jail/protocol.js';
import type { JailAttempt, JailEscapeKind } from '../jail/types.js';
import type { AttemptKind } from '../tripwire/types.js';
import type { ObservedAttempt } from './types.js';

const KIND_TO_TYPE: Record<AttemptKind, SecurityEventType> = {
  network: 'network_attempt',
  dns: 'dns_blocked',
  p2p: 'p2p_blocked',
  process_spawn: 'process_spawn_blocked',
  hole: 'monitor_hole',
};

const ESCAPE_TO_TYPE: Record<JailEscapeKind, SecurityEventType> = {
  setns: 'escape_setns',
  pidfd_getfd: 'escape_pidfd_getfd',
  ptrace: 'escape_ptrace',
  seccomp_listener: 'escape_seccomp_listener',
  foreign_syscall: 'escape_foreign_syscall',
};

/** The event type of an attempt. A witness that found a live socket a hook should have stopped is a hole. */
export function eventTypeOf(a: ObservedAttempt): SecurityEventType {
  if (a.tripwire) return KIND_TO_TYPE[a.tripwire.kind] ?? 'network_attempt';
  if (a.jail?.escape) return ESCAPE_TO_TYPE[a.jail.escape];
  if (a.jail?.dnsName) return 'dns_blocked';
  if (a.detector === 'proc-scan') return 'monitor_hole';
  if (a.detector === 'netns-counters' && a.summary?.['unexplained'] === true) return 'monitor_hole';
  return 'network_attempt';
}

export function severityOf(type: SecurityEventType): Severity {
  // A hole means something got as far as a real socket or packet: that is the critical case. An
  // escape attempt is deliberate work against the jail itself: critical too.
  if (type === 'nscd_probe') return 'info';
  return type === 'monitor_hole' || type.startsWith('escape_') ? 'critical' : 'warning';
}

/** Package (tripwire), program (seccomp / proc) or 'unknown': who to name in the job error. */
export function culpritOf(a: ObservedAttempt): string {
  if (a.tripwire) return a.tripwire.kind === 'process_spawn' && a.tripwire.target ? a.tripwire.target : a.tripwire.package || 'unknown';
  if (a.jail?.program) return a.jail.program;
  const program = a.summary?.['program'];
  return typeof program === 'string' && program ? program : 'unknown';
}

function destinationOf(a: ObservedAttempt): string | undefined {
  const t = a.tripwire;
  if (t?.host !== undefined) return t.port !== undefined ? `${t.host}:${t.port}` : t.host;
  const j = a.jail;
  if (j) { const d = jailDestination(j); if (d !== undefined) return d; }
  const r = a.summary?.['remote'];
  return typeof r === 'string' ? r : undefined;
}

/** Keep only plain scalar summary fields (a summary is ours, but stay defensive about size). */
function safeSummary(s: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!s) return out;
  for (const [k, v] of Object.entries(s)) {
    if (typeof v === 'string') out[k] = v.slice(0, 200);
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    else if (v && typeof v === 'object' && Object.values(v).every((x) => typeof x === 'number')) out[k] = v;
  }
  return out;
}

/** What the supervisor knows of a jailed attempt beyond the common keys: who (exe, argv0, the
 *  parent chain, the program name) and, for DNS queries, the name. Never payloads. */
function jailDetails(j: JailAttempt): Record<string, unknown> {
  return {
    ...(j.program ? { program: j.program } : {}),
    ...(j.exe ? { exe: j.exe } : {}),
    ...(j.argv0 ? { argv0: j.argv0 } : {}),
    ...(j.parents ? { parents: j.parents.map((p) => ({ pid: p.pid, program: p.program })) } : {}),
    ...(j.tid !== undefined && j.tid !== j.pid ? { tid: j.tid } : {}),
    ...(j.dnsName ? { dnsName: j.dnsName } : {}),
    ...(j.dnsType ? { dnsType: j.dnsType } : {}),
    ...(j.escape ? { escape: j.escape } : {}),
    ...(j.arch ? { arch: j.arch } : {}),
    ...(j.action ? { action: j.action } : {}),
    ...(j.outcome ? { outcome: j.outcome } : {}),
    ...(j.tfo ? { tfo: true } : {}),
    ...(j.errno ? { errno: j.errno } : {}),
  };
}

export function toSecurityEvent(a: ObservedAttempt, verdict: { violations: number; terminated: boolean }): NewSecurityEvent {
  const type = eventTypeOf(a);
  const t = a.tripwire;
  const j = a.jail;
  const destination = destinationOf(a);
  const details: Record<string, unknown> = {
    detector: a.detector,
    pid: a.pid,
    ...(a.jobId ?? t?.jobId ? { jobId: a.jobId ?? t?.jobId } : {}),
    ...(t ? { api: t.api, package: t.package, kind: t.kind } : {}),
    ...(t?.host !== undefined ? { host: t.host } : j?.address !== undefined ? { host: j.address } : {}),
    ...(t?.port !== undefined ? { port: t.port } : j?.port !== undefined ? { port: j.port } : {}),
    ...(t?.protocol ? { protocol: t.protocol } : {}),
    ...(t?.family ? { family: t.family } : {}),
    ...(t?.target ? { target: t.target } : {}),
    ...(j ? { syscall: j.syscall } : {}),
    ...(j?.family ? { family: j.family } : {}),
    ...(j?.type ? { socketType: j.type } : {}),
    ...(destination !== undefined ? { destination } : {}),
    ...safeSummary(a.summary),
    ...(j ? jailDetails(j) : {}),
    culprit: culpritOf(a),
    violations: verdict.violations,
    terminated: verdict.terminated,
  };
  return {
    type,
    severity: severityOf(type),
    details,
    // Floods of the same thing from the same place aggregate in the store into one row.
    dedupKey: `${type}|${a.detector}|${a.pid}|${culpritOf(a)}|${destination ?? ''}`,
  };
}
