// From the evidence to the verdict. The frames are the ground truth: every frame that arrived
// at the world from the jail side counts, except
//   - link housekeeping the kernel sends by itself when a link comes up (ARP, IPv6 neighbour
//     discovery and multicast listener reports) — shown, not counted, and
//   - the positive control's own flows (matched by their exact addresses and ports).
// Anything else is a leak. The world's logs and the fixture's own "reached" are leaks too, even
// without a frame (they would mean the capture missed something). A run whose control was not
// seen, or whose capture dropped frames, proves nothing: "void".
import { ATTEMPTS, attemptName, attemptPort } from './attacker.js';
import type { ControlFlow, ControlProbe } from './control.js';
import type { RecorderStats } from './recorder.js';
import type { ControlReport, FixtureOutcome, Frame, Leak, Verdict, WorldEvent } from './types.js';

/** ICMPv6: router/neighbour discovery (133–137) and multicast listener messages (130–132, 143). */
const ICMPV6_HOUSEKEEPING = new Set([130, 131, 132, 133, 134, 135, 136, 137, 143]);

export function isHousekeeping(f: Frame): boolean {
  return f.kind === 'arp' || (f.proto === 'icmpv6' && f.icmpType !== undefined && ICMPV6_HOUSEKEEPING.has(f.icmpType));
}

export function isControlFrame(f: Frame, flows: readonly ControlFlow[]): boolean {
  return flows.some((c) => f.proto === c.proto && f.sport === c.sport && f.dst === c.dst && f.dport === c.dport);
}

/** Which step of the proof a destination belongs to, by the fixture's names and ports. */
export function attribute(name: string | undefined, dport: number | undefined): string | undefined {
  for (const path of ['server', 'run'] as const) {
    for (const a of ATTEMPTS) {
      if ((name && name === attemptName(path, a)) || dport === attemptPort(path, a)) {
        return `the fixture's ${a} attempt ${path === 'run' ? 'under `hermetic run`' : 'as a converter in the server'}`;
      }
    }
  }
  return undefined;
}

const endpoint = (addr: string | undefined, port: number | undefined): string =>
  `${addr && addr.includes(':') ? `[${addr}]` : addr ?? '?'}${port !== undefined ? `:${port}` : ''}`;

export interface Classified { leakFrames: Frame[]; housekeeping: number; control: number; inbound: number }

export function classify(frames: Frame[], flows: readonly ControlFlow[]): Classified {
  const out: Classified = { leakFrames: [], housekeeping: 0, control: 0, inbound: 0 };
  for (const f of frames) {
    if (!f.inbound) continue;
    out.inbound++;
    if (isHousekeeping(f)) out.housekeeping++;
    else if (isControlFrame(f, flows)) out.control++;
    else out.leakFrames.push(f);
  }
  return out;
}

/** Group leak frames by flow and name each from what the world's services learned. */
export function leaksOf(leakFrames: Frame[], world: WorldEvent[], flows: readonly ControlFlow[], fixture: FixtureOutcome[]): Leak[] {
  type Flow = Leak & { sport?: number; dport?: number; names: Set<string> };
  const byFlow = new Map<string, Flow>();
  for (const f of leakFrames) {
    const key = `${f.proto ?? f.kind}|${f.src}|${f.sport}|${f.dst}|${f.dport}|${f.icmpType ?? ''}`;
    let l = byFlow.get(key);
    if (!l) {
      l = { proto: f.proto ?? f.kind, from: endpoint(f.src, f.sport), to: endpoint(f.dst, f.dport), frames: 0, firstSeen: new Date(f.ts * 1000).toISOString(), names: new Set(),
        ...(f.sport !== undefined ? { sport: f.sport } : {}), ...(f.dport !== undefined ? { dport: f.dport } : {}) };
      byFlow.set(key, l);
    }
    l.frames++;
    if (f.dnsName) l.names.add(`DNS ${f.dnsName}`);
  }
  const leaks = [...byFlow.values()];
  const isControlEvent = (e: WorldEvent): boolean => flows.some((c) => c.sport === e.fromPort && c.proto === (e.type === 'tcp' ? 'tcp' : e.transport));
  for (const e of world) {
    if (isControlEvent(e)) continue;
    const names = e.type === 'dns' ? [`DNS ${e.name}`] : [e.sni ? `TLS ${e.sni}` : '', e.host ? `HTTP Host ${e.host}` : '', e.http ?? ''].filter(Boolean);
    const l = leaks.find((x) => x.sport === e.fromPort);
    if (l) { for (const n of names) l.names.add(n); continue; }
    // The world served it, yet no frame was recorded: still a leak, and the capture is suspect.
    leaks.push({ proto: e.type === 'dns' ? `dns/${e.transport}` : 'tcp', from: endpoint(e.from, e.fromPort), to: e.type === 'tcp' ? endpoint(e.to, e.toPort) : 'the trap resolver', frames: 0, firstSeen: new Date(e.ts * 1000).toISOString(), names: new Set(names), sport: e.fromPort });
  }
  for (const l of leaks) {
    const named = [...l.names].map((n) => /^(?:DNS|TLS|HTTP Host) ([^\s:]+)/.exec(n)?.[1]).find(Boolean);
    const by = attribute(named, l.dport === 53 ? undefined : l.dport);
    if (by) l.attributedTo = by;
  }
  // What the fixture says reached its target, where no flow above explains it.
  for (const o of fixture) {
    if (o.outcome !== 'reached') continue;
    const by = attribute(undefined, attemptPort(o.path, o.attempt as (typeof ATTEMPTS)[number]));
    if (leaks.some((l) => l.attributedTo === by)) continue;
    leaks.push({ proto: o.attempt, from: o.path, to: o.target, frames: 0, firstSeen: '', names: new Set([`the fixture says: ${o.code ?? 'reached'}`]), ...(by ? { attributedTo: by } : {}) });
  }
  return leaks.map(({ sport: _s, dport: _d, names, ...l }) => ({ ...l, ...(names.size ? { name: [...names].join('; ') } : {}) }));
}

export function controlReport(probes: ControlProbe[], frames: Frame[]): ControlReport {
  const rows = probes.map((p) => ({
    when: p.when, what: p.what,
    seenFrames: p.flow !== null && frames.some((f) => f.inbound && isControlFrame(f, [p.flow as ControlFlow])),
    seenByWorld: p.seenByWorld,
    ...(p.error ? { error: p.error } : {}),
  }));
  return { probes: rows, ok: rows.length > 0 && rows.every((r) => r.seenFrames && r.seenByWorld) };
}

export interface Decision { verdict: Verdict; reason: string }

export function decide(leaks: Leak[], control: ControlReport, stats: RecorderStats | null, parsedFrames: number): Decision {
  if (leaks.length) {
    const first = leaks[0] as Leak;
    return { verdict: 'leaked', reason: `${leaks.length} flow(s) reached the trap's internet; first: ${first.proto} ${first.from} → ${first.to}${first.name ? ` (${first.name})` : ''}${first.attributedTo ? `, from ${first.attributedTo}` : ''}` };
  }
  if (!stats) return { verdict: 'void', reason: 'the frame recorder gave no statistics: the capture cannot be trusted' };
  if (stats.kernelDrops > 0) return { verdict: 'void', reason: `the kernel dropped ${stats.kernelDrops} frame(s) before the recorder read them: the capture is incomplete` };
  if (stats.notWritten > 0) return { verdict: 'void', reason: `the capture reached its size cap: ${stats.notWritten} frame(s) were counted but not written` };
  if (parsedFrames < stats.frames) return { verdict: 'void', reason: `the capture file holds ${parsedFrames} of the ${stats.frames} frames recorded: it is incomplete` };
  if (!control.ok) {
    const missed = control.probes.filter((p) => !p.seenFrames || !p.seenByWorld).map((p) => `${p.what} (${p.when}${p.error ? `: ${p.error}` : ''})`);
    return { verdict: 'void', reason: `the positive control was not seen by the trap: ${missed.join('; ') || 'none was made'}; a trap that cannot see a deliberate connection proves nothing` };
  }
  return { verdict: 'sealed', reason: 'no frame from the application reached the trap\'s internet, while every deliberate unjailed contact was seen' };
}
