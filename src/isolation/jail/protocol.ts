// The supervisor's JSON lines (native/jail.c writes them to the report descriptor), parsed
// into typed events. Unknown or malformed lines are surfaced, not dropped silently.
import type { JailAttempt, JailEscapeKind, JailNotice, JailProcessRef, LayerName, LayerState, RelayedStdio } from './types.js';

export type SupervisorEvent =
  | { event: 'started'; pid: number; startTime: number; supervisorPid: number; initPid: number; pidNamespace: boolean; relayed: RelayedStdio[]; layers: LayerState[] }
  | { event: 'error'; code: 'JAIL_LAYER_UNAVAILABLE' | 'JAIL_EXEC_FAILED' | 'JAIL_SETUP_FAILED'; layer: LayerName | null; errno: number; message: string; layers: LayerState[] }
  | { event: 'attempt'; attempt: JailAttempt }
  | { event: 'notice'; notice: JailNotice }
  | { event: 'timeout' }
  | { event: 'exit'; code: number; signal: number | null }
  | { event: 'probe'; kernel: string; machine: string; landlockAbi: number; uid: number; pidNamespace: boolean; layers: LayerState[] }
  | { event: 'malformed'; line: string };

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

const ESCAPES: readonly JailEscapeKind[] = ['setns', 'pidfd_getfd', 'ptrace', 'seccomp_listener', 'foreign_syscall'];
const ERROR_CODES = ['JAIL_LAYER_UNAVAILABLE', 'JAIL_EXEC_FAILED', 'JAIL_SETUP_FAILED'] as const;

function parents(v: unknown): JailProcessRef[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.filter((p): p is Record<string, unknown> => typeof p === 'object' && p !== null)
    .map((p) => ({ pid: num(p.pid) ?? 0, program: str(p.program) ?? '?' }));
}

function relayed(v: unknown): RelayedStdio[] {
  if (!Array.isArray(v)) return [];
  return v.filter((r): r is Record<string, unknown> => typeof r === 'object' && r !== null)
    .map((r) => ({ fd: num(r.fd) ?? -1, family: str(r.family) ?? '?', type: str(r.type) ?? '?' }));
}

function attemptOf(o: Record<string, unknown>): JailAttempt {
  const a: JailAttempt = { pid: num(o.pid) ?? 0, syscall: str(o.syscall) ?? 'unknown', ts: str(o.ts) ?? new Date().toISOString() };
  for (const k of ['family', 'type', 'address', 'path', 'errno', 'destination', 'dnsName', 'dnsType', 'program', 'comm', 'exe', 'argv0', 'arch', 'action', 'outcome'] as const) {
    const v = str(o[k]); if (v !== undefined) a[k] = v;
  }
  for (const k of ['tid', 'nsPid', 'port', 'protocol', 'flags', 'nr'] as const) { const v = num(o[k]); if (v !== undefined) a[k] = v; }
  const ps = parents(o.parents); if (ps) a.parents = ps;
  const esc = str(o.escape); if (esc && (ESCAPES as readonly string[]).includes(esc)) a.escape = esc as JailEscapeKind;
  if (o.tfo === true) a.tfo = true;
  return a;
}

function layers(v: unknown): LayerState[] {
  if (!Array.isArray(v)) return [];
  return v.map((l: Record<string, unknown>) => ({ name: String(l.name) as LayerName, inForce: l.inForce === true, reason: String(l.reason ?? '') }));
}

export function parseSupervisorLine(line: string): SupervisorEvent {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return { event: 'malformed', line };
  }
  switch (o.event) {
    case 'started':
      return {
        event: 'started', pid: num(o.pid) ?? 0, startTime: num(o.startTime) ?? 0, supervisorPid: num(o.supervisorPid) ?? 0,
        initPid: num(o.initPid) ?? num(o.pid) ?? 0, pidNamespace: o.pidNamespace === true, relayed: relayed(o.relayed), layers: layers(o.layers),
      };
    case 'error':
      return {
        event: 'error',
        code: (ERROR_CODES as readonly unknown[]).includes(o.code) ? o.code as typeof ERROR_CODES[number] : 'JAIL_EXEC_FAILED',
        layer: (str(o.layer) as LayerName | undefined) ?? null,
        errno: num(o.errno) ?? 0,
        message: str(o.message) ?? '',
        layers: layers(o.layers),
      };
    case 'attempt':
      return { event: 'attempt', attempt: attemptOf(o) };
    case 'notice': {
      const a = attemptOf(o);
      const n: JailNotice = { kind: str(o.kind) ?? 'unknown', pid: a.pid, ts: a.ts };
      if (a.program !== undefined) n.program = a.program;
      if (a.exe !== undefined) n.exe = a.exe;
      if (a.destination !== undefined) n.destination = a.destination;
      return { event: 'notice', notice: n };
    }
    case 'timeout':
      return { event: 'timeout' };
    case 'exit':
      return { event: 'exit', code: num(o.code) ?? -1, signal: num(o.signal) ?? null };
    case 'probe':
      return { event: 'probe', kernel: str(o.kernel) ?? '', machine: str(o.machine) ?? '', landlockAbi: num(o.landlockAbi) ?? -1, uid: num(o.uid) ?? -1, pidNamespace: o.pidNamespace === true, layers: layers(o.layers) };
    default:
      return { event: 'malformed', line };
  }
}

/** Splits a byte stream into lines (the supervisor writes one line per write). */
export class LineSplitter {
  private buf = '';
  push(chunk: string): string[] {
    this.buf += chunk;
    const parts = this.buf.split('\n');
    this.buf = parts.pop() ?? '';
    return parts.filter((p) => p.length > 0);
  }
}

/** "curl (pid 21208, /usr/bin/curl)": who made an attempt, as a person would name it. */
export function describeWho(a: Pick<JailAttempt, 'pid' | 'program' | 'exe' | 'parents'>): string {
  const name = a.program ?? 'a process';
  const parent = a.parents?.[0];
  const detail = [`pid ${a.pid}`, ...(a.exe ? [a.exe] : []), ...(parent ? [`child of ${parent.program} ${parent.pid}`] : [])];
  return `${name} (${detail.join(', ')})`;
}

/** Where an attempt was going, for display ("1.2.3.4:443", "[2001:db8::1]:53", "/run/x.sock"). */
export function destinationOf(a: Pick<JailAttempt, 'destination' | 'address' | 'port' | 'path'>): string | undefined {
  if (a.destination) return a.destination;
  if (a.address !== undefined) {
    const host = a.address.includes(':') ? `[${a.address}]` : a.address;
    return a.port !== undefined ? `${host}:${a.port}` : host;
  }
  return a.path;
}

const ESCAPE_WORDS: Record<JailEscapeKind, string> = {
  setns: 'tried to join another namespace (setns)',
  pidfd_getfd: 'tried to take a descriptor out of another process (pidfd_getfd)',
  ptrace: 'tried to reach into another process',
  seccomp_listener: 'tried to install a seccomp filter with a listener of its own (it could then answer its own calls)',
  foreign_syscall: 'made a system call of a foreign ABI',
};

/** One line per attempt for humans (`hermetic run` on stderr), e.g.
 *  "curl (pid 21208, /usr/bin/curl) tried to connect to 93.184.216.34:443 — blocked (EPERM)". */
export function describeAttempt(a: JailAttempt): string {
  const who = describeWho(a);
  const blocked = `blocked (${a.errno ?? 'EPERM'})`;
  if (a.escape === 'foreign_syscall') return `${who} ${ESCAPE_WORDS.foreign_syscall} (${a.arch ?? '?'} ${a.syscall}) — ${a.action === 'killed' ? 'process killed' : blocked}`;
  if (a.escape) return `${who} ${ESCAPE_WORDS[a.escape]}${a.escape === 'ptrace' ? ` (${a.syscall})` : ''} — ${blocked}`;
  const where = destinationOf(a);
  if (a.dnsName) return `${who} tried to resolve ${a.dnsName}${a.dnsType ? ` (${a.dnsType})` : ''}${where ? ` via ${where}` : ''} — ${blocked}`;
  if (a.syscall === 'socket' || a.syscall === 'socketpair') return `${who} tried to open a ${a.family ?? '?'} ${a.type ?? '?'} socket${a.syscall === 'socketpair' ? ' pair' : ''} — ${blocked}`;
  if (a.outcome === 'recorded') return `${who} aimed a datagram socket at ${where ?? 'an unknown destination'} — not connected; its sends are refused`;
  const verb = a.syscall === 'connect' ? 'connect to' : 'send to';
  return `${who} tried to ${verb} ${where ?? `an unknown destination (${a.syscall})`}${a.tfo ? ' with TCP Fast Open' : ''} — ${blocked}`;
}
