// The positive control: one deliberate, unjailed contact with the trap's world — a TCP
// connection to a destination nothing else uses, and a DNS question for a name nothing else
// asks. The trap must see both (in its frames AND in its services' logs), or a quiet trap would
// prove nothing: the verdict is then "void". Made before and after the scenario, so the
// recorder is shown to have been alive for the whole run.
import dgram from 'node:dgram';
import net from 'node:net';
import { buildQuery } from './dns.js';
import type { Trap } from './trap.js';
import { TRAP } from './types.js';

/** A flow the verdict must not count as a leak: ours. */
export interface ControlFlow { proto: 'tcp' | 'udp'; sport: number; dst: string; dport: number }

export interface ControlProbe { when: 'before' | 'after'; what: string; flow: ControlFlow | null; seenByWorld: boolean; error?: string }

function tcpControl(): Promise<{ flow: ControlFlow | null; error?: string }> {
  return new Promise((resolve) => {
    const s = net.connect({ host: TRAP.controlV4, port: TRAP.controlPort });
    const timer = setTimeout(() => { s.destroy(); resolve({ flow: null, error: 'TIMEOUT' }); }, 3000);
    s.on('connect', () => {
      const flow: ControlFlow = { proto: 'tcp', sport: s.localPort ?? 0, dst: TRAP.controlV4, dport: TRAP.controlPort };
      s.end('hermetic prove: positive control\n');
      s.on('close', () => { clearTimeout(timer); resolve({ flow }); });
    });
    s.on('error', (e: NodeJS.ErrnoException) => { clearTimeout(timer); resolve({ flow: null, error: e.code ?? e.message }); });
  });
}

function dnsControl(): Promise<{ flow: ControlFlow | null; error?: string }> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const timer = setTimeout(() => { s.close(); resolve({ flow: null, error: 'no answer from the trap resolver' }); }, 3000);
    s.on('error', (e: NodeJS.ErrnoException) => { clearTimeout(timer); s.close(); resolve({ flow: null, error: e.code ?? e.message }); });
    s.on('message', () => {
      clearTimeout(timer);
      const flow: ControlFlow = { proto: 'udp', sport: s.address().port, dst: TRAP.worldV4, dport: 53 };
      s.close();
      resolve({ flow });
    });
    s.send(buildQuery(TRAP.controlName, 1), 53, TRAP.worldV4);
  });
}

export async function positiveControl(trap: Trap, when: 'before' | 'after'): Promise<ControlProbe[]> {
  const out: ControlProbe[] = [];
  const tcp = await tcpControl();
  const tcpSeen = tcp.flow
    ? await trap.waitForEvent((e) => e.type === 'tcp' && e.fromPort === tcp.flow?.sport, 3000)
    : false;
  out.push({ when, what: `TCP to ${TRAP.controlV4}:${TRAP.controlPort}`, flow: tcp.flow, seenByWorld: tcpSeen, ...(tcp.error ? { error: tcp.error } : {}) });
  const dns = await dnsControl();
  const dnsSeen = dns.flow
    ? await trap.waitForEvent((e) => e.type === 'dns' && e.name === TRAP.controlName && e.fromPort === dns.flow?.sport, 3000)
    : false;
  out.push({ when, what: `DNS question for ${TRAP.controlName}`, flow: dns.flow, seenByWorld: dnsSeen, ...(dns.error ? { error: dns.error } : {}) });
  return out;
}
