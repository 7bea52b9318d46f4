// What the application reported about the blocked attempts, in one shape: the server's security
// events (tripwire, seccomp supervisor, runtime monitor), the jail supervisor's JSON lines from
// `hermetic run`, and — for a block no layer reports (Node's permission model throws in-process
// and tells nobody) — the fixture's own account. Fields the reporters add later (program,
// DNS name, …) are shown when present.
import { ATTEMPTS, attemptName, attemptPort, type AttemptName } from './attacker.js';
import type { AttemptWindow } from './attacks.js';
import type { AttemptReport, FixtureOutcome } from './types.js';

export interface SecurityEventRow { id: number; type: string; severity: string; details: Record<string, unknown>; timestamp: string }

/** Event types that are attempts (others — verification, monitor lifecycle — are not). */
const ATTEMPT_TYPES = new Set(['network_attempt', 'dns_blocked', 'p2p_blocked', 'process_spawn_blocked', 'monitor_hole']);

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Which fixture attempt a destination or program belongs to, from the names and ports it uses. */
export function matchAttempt(path: 'server' | 'run', text: string): AttemptName | undefined {
  for (const a of ATTEMPTS) {
    if (text.includes(attemptName(path, a)) || new RegExp(`[:\\s]${attemptPort(path, a)}(\\D|$)`).test(text)) return a;
  }
  if (/\bcurl\b/.test(text)) return 'curl';
  return undefined;
}

/** The attempt running (or last started) at `ts`: the attempts run one after another. */
export function attemptAt(windows: readonly AttemptWindow[], ts: number): string | undefined {
  if (!Number.isFinite(ts)) return undefined;
  let best: AttemptWindow | undefined;
  // Ties go to the later attempt: a try that takes no time shares its millisecond with the next.
  for (const w of windows) if (w.start <= ts && (!best || w.start >= best.start)) best = w;
  return best?.attempt;
}

function destinationOf(d: Record<string, unknown>): string {
  const name = str(d.dnsName) ?? str(d.name) ?? str(d.hostname);
  const dest = str(d.destination) ?? (str(d.host) !== undefined ? `${str(d.host)}${num(d.port) !== undefined ? `:${num(d.port)}` : ''}` : undefined)
    ?? (str(d.address) !== undefined ? `${str(d.address)}${num(d.port) !== undefined ? `:${num(d.port)}` : ''}` : undefined) ?? str(d.path);
  if (name && dest && !dest.includes(name)) return `${name} (${dest})`;
  return name ?? dest ?? '';
}

function callOf(d: Record<string, unknown>): string {
  const api = str(d.api);
  if (api) return api;
  const sc = str(d.syscall);
  if (!sc) return str(d.kind) ?? '';
  const fam = str(d.family);
  const type = str(d.socketType) ?? str(d.type);
  return sc === 'socket' || sc === 'socketpair' ? `${sc}(${fam ?? '?'}, ${type ?? '?'})` : `${sc}${fam ? ` (${fam})` : ''}`;
}

function layerOfDetector(detector: string | undefined): { layer: string; reportedBy: AttemptReport['reportedBy'] } {
  if (detector === 'tripwire') return { layer: 'tripwire', reportedBy: 'tripwire' };
  if (detector === 'seccomp') return { layer: 'seccomp', reportedBy: 'seccomp' };
  if (detector === 'netns-counters') return { layer: 'namespace', reportedBy: 'monitor' };
  return { layer: detector ?? 'unknown', reportedBy: 'monitor' };
}

function culpritOf(d: Record<string, unknown>): string {
  const program = str(d.program) ?? str(d.comm) ?? str(d.exe);
  const pkg = str(d.package);
  if (pkg && program) return `${pkg} (${program})`;
  return str(d.culprit) ?? pkg ?? program ?? (num(d.pid) !== undefined ? `pid ${num(d.pid)}` : 'unknown');
}

export function fromServerEvents(rows: SecurityEventRow[], windows: readonly AttemptWindow[] = []): AttemptReport[] {
  const out: AttemptReport[] = [];
  for (const row of rows) {
    if (!ATTEMPT_TYPES.has(row.type)) continue;
    const d = row.details ?? {};
    const { layer, reportedBy } = layerOfDetector(str(d.detector));
    const destination = destinationOf(d);
    const culprit = culpritOf(d);
    const call = callOf(d);
    const attempt = matchAttempt('server', `${destination} ${str(d.target) ?? ''} ${call}`) ?? attemptAt(windows, Date.parse(row.timestamp));
    const count = num(d.count);
    out.push({
      path: 'server', layer, reportedBy, culprit, destination, call,
      ...(num(d.pid) !== undefined ? { pid: num(d.pid) } : {}),
      ...(str(d.jobId) ? { jobId: str(d.jobId) } : {}),
      ...(attempt ? { attempt } : {}),
      detail: [row.type, count && count > 1 ? `×${count}` : '', d.terminated === true ? 'worker terminated' : ''].filter(Boolean).join(', '),
    });
  }
  return out;
}

export function fromRunEvents(events: Record<string, unknown>[], windows: readonly AttemptWindow[] = []): AttemptReport[] {
  return events.map((e) => {
    const destination = destinationOf(e);
    const culprit = culpritOf(e);
    const call = callOf(e);
    const attempt = matchAttempt('run', `${destination} ${culprit}`) ?? attemptAt(windows, Date.parse(String(e.ts)));
    return {
      path: 'run' as const, layer: 'seccomp', reportedBy: 'seccomp' as const, culprit, destination, call,
      ...(num(e.pid) !== undefined ? { pid: num(e.pid) } : {}),
      ...(attempt ? { attempt } : {}),
      ...(str(e.errno) ? { detail: `-> ${str(e.errno)}` } : {}),
    };
  });
}

/** Blocks that only the program itself could tell about (no reporting layer saw them). */
export function fromFixture(outcomes: FixtureOutcome[], reported: AttemptReport[]): AttemptReport[] {
  return outcomes
    .filter((o) => o.outcome === 'blocked' && !reported.some((r) => r.path === o.path && r.attempt === o.attempt))
    .map((o) => ({
      path: o.path, layer: o.layer ?? 'unknown', reportedBy: 'program' as const, culprit: o.path === 'run' ? 'node' : 'the converter worker',
      destination: o.target, call: o.attempt, attempt: o.attempt, detail: [o.code, o.message].filter(Boolean).join(': ').slice(0, 200),
    }));
}
