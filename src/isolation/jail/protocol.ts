// The supervisor's JSON lines (native/jail.c writes them to the report descriptor), parsed
// into typed events. Unknown or malformed lines are surfaced, not dropped silently.
import type { JailAttempt, LayerName, LayerState } from './types.js';

export type SupervisorEvent =
  | { event: 'started'; pid: number; startTime: number; supervisorPid: number; layers: LayerState[] }
  | { event: 'error'; code: 'JAIL_LAYER_UNAVAILABLE' | 'JAIL_EXEC_FAILED'; layer: LayerName | null; errno: number; message: string; layers: LayerState[] }
  | { event: 'attempt'; attempt: JailAttempt }
  | { event: 'timeout' }
  | { event: 'exit'; code: number; signal: number | null }
  | { event: 'probe'; kernel: string; machine: string; landlockAbi: number; uid: number; layers: LayerState[] }
  | { event: 'malformed'; line: string };

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

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
      return { event: 'started', pid: num(o.pid) ?? 0, startTime: num(o.startTime) ?? 0, supervisorPid: num(o.supervisorPid) ?? 0, layers: layers(o.layers) };
    case 'error':
      return {
        event: 'error',
        code: o.code === 'JAIL_LAYER_UNAVAILABLE' ? 'JAIL_LAYER_UNAVAILABLE' : 'JAIL_EXEC_FAILED',
        layer: (str(o.layer) as LayerName | undefined) ?? null,
        errno: num(o.errno) ?? 0,
        message: str(o.message) ?? '',
        layers: layers(o.layers),
      };
    case 'attempt': {
      const a: JailAttempt = { pid: num(o.pid) ?? 0, syscall: str(o.syscall) ?? 'unknown', ts: str(o.ts) ?? new Date().toISOString() };
      for (const k of ['family', 'type', 'address', 'path', 'errno'] as const) { const v = str(o[k]); if (v !== undefined) a[k] = v; }
      for (const k of ['port', 'protocol', 'flags'] as const) { const v = num(o[k]); if (v !== undefined) a[k] = v; }
      return { event: 'attempt', attempt: a };
    }
    case 'timeout':
      return { event: 'timeout' };
    case 'exit':
      return { event: 'exit', code: num(o.code) ?? -1, signal: num(o.signal) ?? null };
    case 'probe':
      return { event: 'probe', kernel: str(o.kernel) ?? '', machine: str(o.machine) ?? '', landlockAbi: num(o.landlockAbi) ?? -1, uid: num(o.uid) ?? -1, layers: layers(o.layers) };
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

/** One line per attempt for humans (`hermetic run` on stderr). */
export function describeAttempt(a: JailAttempt): string {
  const where = a.address !== undefined ? ` to ${a.address.includes(':') ? `[${a.address}]` : a.address}${a.port !== undefined ? `:${a.port}` : ''}`
    : a.path !== undefined ? ` to ${a.path}` : '';
  const what = a.syscall === 'socket' || a.syscall === 'socketpair' ? `${a.syscall}(${a.family ?? '?'}, ${a.type ?? '?'})` : `${a.syscall}${a.family ? ` (${a.family})` : ''}`;
  return `blocked ${what}${where} by pid ${a.pid} -> ${a.errno ?? 'EPERM'}`;
}
