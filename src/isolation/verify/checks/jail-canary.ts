// jail.canary: the check that makes "kernel-enforced" a measured fact. A jailed canary (no
// tripwire) tries TCP, UDP and DNS towards a host-side loopback listener; every attempt must
// fail with the errno of the layers in force, the seccomp supervisor must have reported the
// refused sockets, and the listener must have seen nothing. Only then does the canary try a
// documentation address (192.0.2.1), which must fail too.
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { Check, CheckContext, CheckOutcome } from '../check.js';
import { isUnavailable, type JailApi } from '../deps.js';
import type { JailHandle } from '../../jail/types.js';
import { settle, startCanaryListener, type CanaryListener } from '../canary/listener.js';
import type { CanaryOutcomes, CanaryPlan } from '../canary/child.js';
import { expectedOutcomes, type Probe } from '../canary/expect.js';
import { KERNEL_LAYERS } from './jail-layers.js';
import { isJailedServer } from '../proc.js';
import { registerProbePid } from '../selftest-targets.js';

export const CANARY_CHILD = fileURLToPath(new URL('../canary/child.js', import.meta.url));
/** Set by the paranoid launcher: its own jail.canary result, for a server that cannot open a listener. */
export const LAUNCHER_CANARY_ENV = 'HERMETIC_LAUNCHER_CANARY';
const DOC_ADDRESS = '192.0.2.1';

interface Lines { next(): Promise<string | null> }

function lineReader(handle: JailHandle): Lines {
  const out = handle.child.stdout;
  if (!out) throw new Error('the jail gave the canary no stdout pipe');
  const rl = createInterface({ input: out });
  const queue: string[] = [];
  const waiting: ((l: string | null) => void)[] = [];
  let closed = false;
  rl.on('line', (l) => { const w = waiting.shift(); if (w) w(l); else queue.push(l); });
  rl.on('close', () => { closed = true; for (const w of waiting.splice(0)) w(null); });
  return { next: () => new Promise((resolve) => { const l = queue.shift(); if (l !== undefined) resolve(l); else if (closed) resolve(null); else waiting.push(resolve); }) };
}

function parse(line: string | null): CanaryOutcomes | null {
  if (!line) return null;
  try { return JSON.parse(line) as CanaryOutcomes; } catch { return null; }
}

function judge(outcomes: Record<Probe, string | undefined>, inForce: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const [probe, got] of Object.entries(outcomes) as [Probe, string | undefined][]) {
    if (got === undefined) continue;
    const ok = expectedOutcomes(probe, inForce);
    if (!ok) problems.push(`${probe}: ${got} — no layer in force stops it`);
    else if (!ok.has(got)) problems.push(`${probe}: ${got}, expected ${[...ok].join('|')}`);
  }
  return problems;
}

async function fromLauncher(ctx: CheckContext, why: string): Promise<CheckOutcome> {
  const raw = ctx.env[LAUNCHER_CANARY_ENV];
  if (!raw) return { status: 'fail', detail: `no host-side canary listener could be opened (${why}) and no launcher measurement was handed over` };
  const r = JSON.parse(raw) as { status: CheckOutcome['status']; detail: string; data?: Record<string, unknown>; at?: string };
  return { status: r.status, detail: `measured by the paranoid launcher at ${r.at ?? 'start-up'} (this jailed server cannot open a listener: ${why}): ${r.detail}`, data: { ...r.data, measuredBy: 'launcher' } };
}

// The canary runs as production workers do: every kernel layer the jail can apply, none turned
// off by us; only injected faults (tests, --fault) change that, through the jail itself.
/** Where the canary aims, and how its arrivals are counted (null: no listener could be opened). */
interface Target {
  host: string;
  tcpPort: number;
  udpPort: number;
  counts(): { tcp: number; udp: number } | null;
  /** Inside the paranoid server's jail: the canary inherits this process's seccomp filter. */
  inheritedSeccomp: boolean;
}

function listenerTarget(c: CanaryListener): Target {
  return { host: c.host, tcpPort: c.tcpPort, udpPort: c.udpPort, counts: () => ({ tcp: c.tcpConnections, udp: c.udpDatagrams }), inheritedSeccomp: false };
}

async function runCanary(jail: JailApi, ctx: CheckContext, canary: Target): Promise<CheckOutcome> {
  const fault = ctx.jailFault?.length ? ctx.jailFault : undefined;
  const plan: CanaryPlan = { host: canary.host, tcpPort: canary.tcpPort, udpPort: canary.udpPort, docAddress: DOC_ADDRESS, docPort: 9 };
  const handle = await jail.spawn(process.execPath, [CANARY_CHILD, JSON.stringify(plan)], {
    stdio: ['pipe', 'pipe', 'pipe'],
    timeoutMs: ctx.timeoutMs,
    tripwire: false,
    node: true,
    // The canary measures the kernel. Node's permission model (Node >= 25) would answer first
    // with ERR_ACCESS_DENIED and hide what the kernel does; node.permission reports it instead.
    disable: ['node-permission'],
    ...(fault ? { fault } : {}),
  });
  // Its refused sockets are reported like anyone's; they are ours, not a violation.
  registerProbePid(handle.pid);
  const stdin = handle.child.stdin;
  // The canary may be gone by the time we write (it crashed, or a fault closed its stdin): a
  // write to it then fails with EPIPE. That is an outcome of this check, never a crash of the
  // process running it (the periodic re-verification runs inside the server).
  let stdinError: string | null = null;
  stdin?.on('error', (e: NodeJS.ErrnoException) => { stdinError ??= e.code ?? e.message; });
  const tell = (word: 'go' | 'stop'): void => {
    if (!stdin || stdin.destroyed || !stdin.writable) return;
    if (word === 'stop') stdin.end('stop\n'); else stdin.write('go\n');
  };
  const lines = lineReader(handle);
  let stderr = '';
  handle.child.stderr?.on('data', (b: Buffer) => { if (stderr.length < 2000) stderr += b.toString(); });
  try {
    const layers = handle.layers.map((l) => {
      if (canary.inheritedSeccomp && l.name === 'seccomp' && !l.inForce) {
        return { name: l.name, inForce: true, reason: `inherited from this server's jail (paranoid); the nested jail could not add its own: ${l.reason}` };
      }
      // Left off on purpose (see above): say so, rather than a bare "disabled".
      if (l.name === 'node-permission') return { ...l, reason: 'not applied to the kernel canary on purpose; the node.permission check reports this layer' };
      return l;
    });
    if (canary.inheritedSeccomp && !layers.some((l) => l.name === 'seccomp')) layers.push({ name: 'seccomp', inForce: true, reason: "inherited from this server's jail (paranoid)" });
    const inForce = new Set(layers.filter((l) => l.inForce).map((l) => l.name as string));
    const kernelInForce = KERNEL_LAYERS.filter((n) => inForce.has(n));
    const loop = parse(await lines.next());
    if (!loop) {
      tell('stop');
      const exit = await handle.exited;
      const pipe = stdinError ? `; its stdin failed: ${stdinError}` : '';
      return { status: 'fail', detail: `the jailed canary gave no answer (exit ${exit.code ?? exit.signal}${stderr ? `: ${stderr.trim().split('\n')[0]}` : ''}${pipe})`, data: { layers } };
    }
    await settle();
    const loopProblems = judge({ tcp: loop.tcp, udp: loop.udp, dns: loop.dns, 'ext-tcp': undefined, 'ext-udp': undefined }, inForce);
    const hitsNow = () => { const c = canary.counts(); return c ? c.tcp + c.udp : 0; };
    const reachedLoopback = hitsNow();
    let ext: CanaryOutcomes | null = null;
    if (reachedLoopback === 0 && loopProblems.length === 0) {
      tell('go');
      ext = parse(await lines.next());
    }
    tell('stop');
    await handle.exited;
    await settle();
    const counted = canary.counts();
    const hits = hitsNow();
    const problems = [...loopProblems];
    if (ext) problems.push(...judge({ tcp: undefined, udp: undefined, dns: undefined, 'ext-tcp': ext.tcp, 'ext-udp': ext.udp }, inForce));
    const refused = [loop.tcp, loop.udp, ext?.tcp, ext?.udp].filter((o) => o === 'EPERM').length;
    const reported = handle.attempts.length;
    const data = {
      layers,
      kernelLayers: kernelInForce,
      outcomes: { loopback: { tcp: loop.tcp, udp: loop.udp, dns: loop.dns }, external: ext ? { target: DOC_ADDRESS, tcp: ext.tcp, udp: ext.udp } : null },
      canaryHits: counted,
      target: counted ? 'host-side loopback listener' : `this server's own port ${canary.tcpPort} (no listener can be opened inside the jail; EPERM can only come from seccomp)`,
      supervisorReports: reported,
      blocked: hits === 0 && problems.length === 0 && kernelInForce.length > 0,
    };
    if (hits > 0) {
      return { status: 'fail', detail: `the jailed canary reached the host listener (${counted?.tcp ?? 0} TCP, ${counted?.udp ?? 0} UDP): ${kernelInForce.length ? `${kernelInForce.join(' + ')} did not stop it` : 'no kernel layer in force'}`, data };
    }
    if (!kernelInForce.length) {
      return { status: 'fail', detail: `no kernel layer was in force for the canary (${layers.map((l) => `${l.name}: ${l.reason}`).join('; ') || 'none reported'})`, data };
    }
    if (problems.length) return { status: 'fail', detail: `unexpected outcomes under ${kernelInForce.join(' + ')}: ${problems.join('; ')}`, data };
    if (!ext) return { status: 'fail', detail: 'the canary did not report its documentation-address attempts', data };
    const control = counted ? 'the canary saw nothing' : 'the kernel refused every socket (EPERM)';
    const summary = `TCP, UDP and DNS from the jail were stopped by ${kernelInForce.join(' + ')} (tcp ${loop.tcp}, udp ${loop.udp}, dns ${loop.dns}; ${DOC_ADDRESS}: ${ext.tcp}/${ext.udp}); ${control}`;
    if (canary.inheritedSeccomp) {
      // The inherited filter reports to the launcher's supervisor, not to this nested jail.
      return { status: 'pass', detail: `${summary}; the refusals are reported to the paranoid launcher's supervisor`, data };
    }
    if (inForce.has('seccomp') && reported < refused) {
      return { status: 'warn', detail: `${summary}; but the seccomp supervisor reported only ${reported} of ${refused} refused sockets`, data };
    }
    return { status: 'pass', detail: `${summary}${inForce.has('seccomp') ? `; the supervisor reported ${reported} attempt(s)` : ''}`, data };
  } finally {
    handle.kill('SIGKILL');
  }
}

export const jailCanary: Check = {
  id: 'jail.canary',
  title: 'Jailed canary stopped by the kernel',
  async run(ctx) {
    const jail = ctx.deps.jail;
    if (isUnavailable(jail)) return { status: 'fail', detail: jail.unavailable };
    if (isJailedServer(ctx.procRoot, ctx.env)) {
      // No listener can be opened in here; aim at our own (inherited) port instead.
      if (!ctx.serverPort) return fromLauncher(ctx, 'no server port known');
      try {
        return await runCanary(jail, ctx, { host: '127.0.0.1', tcpPort: ctx.serverPort, udpPort: ctx.serverPort, counts: () => null, inheritedSeccomp: true });
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        return { status: 'fail', detail: `the jailed canary could not run inside the server's jail: ${err.code ? `${err.code}: ` : ''}${err.message}` };
      }
    }
    let canary: CanaryListener;
    try {
      canary = await startCanaryListener();
    } catch (e) {
      return fromLauncher(ctx, (e as NodeJS.ErrnoException).code ?? (e as Error).message);
    }
    try {
      return await runCanary(jail, ctx, listenerTarget(canary));
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      return { status: 'fail', detail: `the jailed canary could not run: ${err.code ? `${err.code}: ` : ''}${err.message}` };
    } finally {
      await canary.close();
    }
  },
};
