// The verdict for people (the --json form is the ProveReport object itself), and the exit code:
// 0 only when sealed and every conversion that ran succeeded.
import type { AttemptReport, ProveReport } from './types.js';

export function exitCodeOf(r: ProveReport): number {
  return r.verdict === 'sealed' && r.conversions.every((c) => c.ok || c.skipped !== undefined) ? 0 : 1;
}

const LAYER_TITLES: Record<string, string> = {
  tripwire: 'tripwire (in-process guard, names the package)',
  'node-permission': 'Node permission model (runtime)',
  seccomp: 'seccomp filter (kernel; the jail supervisor names the process)',
  landlock: 'Landlock (kernel)',
  namespace: 'network namespace (kernel)',
  mountns: 'mount namespace (kernel)',
};

function attemptLine(a: AttemptReport): string {
  const where = a.path === 'run' ? 'hermetic run' : 'server job';
  const dest = a.destination ? ` → ${a.destination}` : '';
  const by = a.reportedBy === 'program' ? ' [told by the program itself; no layer reports this]' : '';
  const what = a.attempt ? ` [fixture: ${a.attempt}]` : '';
  return `    ${where.padEnd(12)} ${a.call}${dest}  by ${a.culprit}${a.pid && !a.culprit.includes(String(a.pid)) ? ` (pid ${a.pid})` : ''}${a.detail ? `  ${a.detail}` : ''}${what}${by}`;
}

export function renderText(r: ProveReport): string {
  const out: string[] = [];
  const secs = (r.durationMs / 1000).toFixed(1);
  out.push(`hermetic prove: ${r.verdict.toUpperCase()} — ${r.reason}`);
  out.push('');
  if (r.trap) {
    out.push(`trap (${r.trap.mode === 'root' ? 'root: a plain network namespace' : 'an unprivileged user + network namespace'}):`);
    out.push(`  the jail side's only way out is a veth to a fake internet that answers DNS for every name;`);
    out.push(`  ${r.trap.catchAll}; ${r.trap.resolver}`);
    out.push(`  recorder: ${r.trap.recorder}`);
    out.push(`  frames arriving at the fake internet: ${r.trap.frames.inbound} = ${r.packetsLeft} from the application + ${r.trap.frames.control} positive control + ${r.trap.frames.housekeeping} link housekeeping (ARP, IPv6 neighbour discovery; not counted)${r.trap.frames.kernelDrops ? `; KERNEL DROPPED ${r.trap.frames.kernelDrops}` : ''}`);
  }
  out.push(`packets that reached the trap's internet: ${r.packetsLeft}`);
  for (const l of r.leaks) {
    out.push(`  LEAK ${l.proto} ${l.from} → ${l.to}${l.frames ? ` (${l.frames} frame${l.frames === 1 ? '' : 's'})` : ''}${l.name ? `: ${l.name}` : ''}${l.attributedTo ? ` — ${l.attributedTo}` : ''}`);
  }
  const ok = r.control.probes.filter((p) => p.seenFrames && p.seenByWorld).length;
  out.push(`positive control (deliberate unjailed contacts): ${ok}/${r.control.probes.length} seen${r.control.ok ? '' : ' — WITHOUT THEM THE PROOF IS VOID'}`);
  for (const p of r.control.probes.filter((x) => !(x.seenFrames && x.seenByWorld))) {
    out.push(`  not seen (${p.when}): ${p.what}: frames ${p.seenFrames ? 'yes' : 'no'}, world ${p.seenByWorld ? 'yes' : 'no'}${p.error ? `, ${p.error}` : ''}`);
  }
  out.push('');
  const ran = r.conversions.filter((c) => !c.skipped);
  out.push(`conversions through the API (strictness ${r.strictness}): ${ran.filter((c) => c.ok).length}/${ran.length} succeeded`);
  for (const c of r.conversions) {
    if (c.skipped) out.push(`  skip  ${c.converter}: ${c.skipped}`);
    else out.push(`  ${c.ok ? 'ok  ' : 'FAIL'}  ${c.converter.padEnd(12)} ${`${c.from} → ${c.to}`.padEnd(14)} ${String(c.ms).padStart(6)} ms${c.error ? `  ${c.error.code}: ${c.error.message}` : ''}`);
  }
  out.push('');
  out.push(`attempts blocked and reported, by layer (${r.attempts.length}):`);
  const layers = [...new Set(r.attempts.map((a) => a.layer))];
  for (const layer of layers) {
    out.push(`  ${LAYER_TITLES[layer] ?? layer}:`);
    for (const a of r.attempts.filter((x) => x.layer === layer)) out.push(attemptLine(a));
  }
  if (!r.attempts.length) out.push('  (none)');
  out.push('');
  out.push('what the hostile converter saw:');
  for (const f of r.fixture) {
    out.push(`  ${(f.path === 'run' ? 'hermetic run' : 'server job').padEnd(12)} ${f.attempt.padEnd(5)} ${f.outcome.toUpperCase().padEnd(9)} ${f.code ?? ''}${f.layer ? ` (${f.layer})` : ''}  ${f.target}`);
  }
  if (r.warnings.length) {
    out.push('');
    for (const w of r.warnings) out.push(`warning: ${w}`);
  }
  out.push('');
  const steps = Object.entries(r.timings ?? {}).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`).join(', ');
  out.push(`took ${secs} s${steps ? ` (${steps})` : ''}${r.keptIn ? `; evidence kept in ${r.keptIn} (trap.pcap opens in Wireshark/tcpdump; world.jsonl, server.log, result.json)` : ''}`);
  out.push(`exit ${exitCodeOf(r)}: ${exitCodeOf(r) === 0 ? 'sealed, and every conversion succeeded' : 'NOT proven sealed, or a conversion failed (see above)'}`);
  return out.join('\n');
}
