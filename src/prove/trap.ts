// Builds the trap from inside its jail-side namespaces (this process already runs in a fresh
// network + mount namespace, see launch.ts): a second network namespace plays "the internet"
// (world.ts), joined to this one by a veth pair that is the ONLY way out. A default route and
// the resolver point there, every TCP port there is redirected to one listener, and a recorder
// there writes every frame to a pcap file. Anything that tries to reach the network from here
// would succeed — and would be on record.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Tools } from './tools.js';
import { recorderBuilt, recorderPath } from './tools.js';
import type { RecorderStats } from './recorder.js';
import { TRAP, type WorldEvent } from './types.js';
import type { FromWorld, ToWorld } from './world.js';

/** The world's listener that every TCP port (but 53) is redirected to. */
export const CATCH_PORT = 65000;

/** Folders of resolver daemons reachable over unix sockets (which cross network namespaces). */
const RESOLVER_DAEMON_DIRS = ['/run/systemd/resolve', '/run/nscd', '/var/run/nscd', '/run/avahi-daemon', '/var/run/avahi-daemon'];

export type CatchAllMode = 'auto' | 'nft' | 'iptables' | 'none';

export interface Trap {
  worldPid: number;
  recorder: string;
  catchAll: string;
  resolver: string;
  /** Everything the world's services logged so far. */
  readonly events: WorldEvent[];
  /** Resolves once an event matching `pred` has been seen, or false after `ms`. */
  waitForEvent(pred: (e: WorldEvent) => boolean, ms: number): Promise<boolean>;
  /** Stop the world's services and the recorder; the statistics of the capture. */
  stop(): Promise<RecorderStats>;
  /** Kill the world at once (error paths). */
  destroy(): void;
}

export interface RunResult { code: number | null; stdout: string; stderr: string }

export function run(cmd: string, args: string[], input?: string): Promise<RunResult> {
  return new Promise((resolvePromise) => {
    const child = spawn(cmd, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', (e) => resolvePromise({ code: null, stdout, stderr: e.message }));
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
    // A program that exits without reading its input must not crash us with EPIPE.
    child.stdin?.on('error', () => {});
    child.stdin?.end(input);
  });
}

async function must(cmd: string, args: string[], input?: string): Promise<string> {
  const r = await run(cmd, args, input);
  if (r.code !== 0) throw new Error(`${[cmd, ...args].join(' ')} failed (${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

/** `ip -batch -`: many iproute2 commands, one process. */
function ipBatch(tools: Tools, lines: string[], netnsPid?: number): Promise<string> {
  const input = `${lines.join('\n')}\n`;
  return netnsPid === undefined
    ? must(tools.ip, ['-batch', '-'], input)
    : must(tools.nsenter, ['--target', String(netnsPid), '--net', '--', tools.ip, '-batch', '-'], input);
}

/** TCP to every port but 53 → the catch-all listener, in the world's namespace. */
async function installCatchAll(tools: Tools, pid: number, mode: CatchAllMode): Promise<string> {
  const inWorld = (cmd: string, args: string[], input?: string) => run(tools.nsenter, ['--target', String(pid), '--net', '--', cmd, ...args], input);
  const errors: string[] = [];
  if ((mode === 'auto' || mode === 'nft') && tools.nft) {
    const rules = `table inet hermetic_prove {
  chain prerouting {
    type nat hook prerouting priority -100; policy accept;
    iifname "${TRAP.worldIf}" tcp dport != 53 redirect to :${CATCH_PORT}
  }
}
`;
    const r = await inWorld(tools.nft, ['-f', '-'], rules);
    if (r.code === 0) return `every TCP port redirected to one listener (nftables)`;
    errors.push(`nft: ${r.stderr.trim()}`);
  }
  if ((mode === 'auto' || mode === 'iptables') && tools.iptables) {
    const rule = ['-t', 'nat', '-A', 'PREROUTING', '-i', TRAP.worldIf, '-p', 'tcp', '!', '--dport', '53', '-j', 'REDIRECT', '--to-ports', String(CATCH_PORT)];
    const r4 = await inWorld(tools.iptables, rule);
    const r6 = tools.ip6tables ? await inWorld(tools.ip6tables, rule) : { code: 1, stderr: 'ip6tables not found', stdout: '' };
    if (r4.code === 0) return `every TCP port redirected to one listener (iptables${r6.code === 0 ? ' + ip6tables' : `; IPv6: port ${CATCH_PORT} only (${r6.stderr.trim()})`})`;
    errors.push(`iptables: ${r4.stderr.trim()}`);
  }
  if (mode !== 'none' && errors.length === 0) errors.push('neither nft nor iptables is installed');
  return `TCP accepted on port ${CATCH_PORT} only${errors.length ? ` (${errors.join('; ')})` : ''}; a connection to any other port is still on record (its frames are counted)`;
}

/** Where a symlink chain ends (the target need not exist). */
function finalTarget(path: string): string {
  let p = path;
  for (let i = 0; i < 16; i++) {
    let st;
    try { st = lstatSync(p); } catch { return p; }
    if (!st.isSymbolicLink()) return p;
    p = resolve(dirname(p), readlinkSync(p));
  }
  return p;
}

/**
 * Resolver: /etc/resolv.conf names the world; nsswitch looks up hosts in files, then DNS; the
 * resolver daemons' socket folders are hidden (a lookup through them would be made by a host
 * daemon outside the trap, where no recorder sees it). Only in this mount namespace.
 */
async function redirectResolver(tools: Tools, workDir: string, ipv6: boolean): Promise<string> {
  const hidden: string[] = [];
  for (const dir of RESOLVER_DAEMON_DIRS) {
    let st;
    try { st = lstatSync(dir); } catch { continue; }
    if (!st.isDirectory()) continue;
    await must(tools.mount, ['-t', 'tmpfs', '-o', 'size=64k,mode=755', 'hermetic-prove', dir]);
    hidden.push(dir);
  }
  const resolvConf = join(workDir, 'resolv.conf');
  writeFileSync(resolvConf, `# hermetic prove: the trap's resolver\nnameserver ${TRAP.worldV4}\n${ipv6 ? `nameserver ${TRAP.worldV6}\n` : ''}options timeout:1 attempts:1\n`);
  const target = finalTarget('/etc/resolv.conf');
  if (existsSync(target)) await must(tools.mount, ['--bind', resolvConf, target]);
  else if (hidden.includes(dirname(target))) writeFileSync(target, readFileSync(resolvConf));
  else throw new Error(`cannot point /etc/resolv.conf at the trap: it leads to ${target}, which does not exist`);
  let nss = '';
  if (existsSync('/etc/nsswitch.conf')) {
    const nsswitch = join(workDir, 'nsswitch.conf');
    const text = readFileSync('/etc/nsswitch.conf', 'utf8');
    writeFileSync(nsswitch, /^hosts:.*$/m.test(text) ? text.replace(/^hosts:.*$/m, 'hosts: files dns') : `${text}\nhosts: files dns\n`);
    await must(tools.mount, ['--bind', nsswitch, finalTarget('/etc/nsswitch.conf')]);
    nss = '; nsswitch hosts: files dns';
  }
  return `/etc/resolv.conf → nameserver ${TRAP.worldV4} (bind mount in the trap's mount namespace)${nss}${hidden.length ? `; hidden: ${hidden.join(', ')}` : ''}`;
}

function startWorld(tools: Tools, node: string): { child: ChildProcess; next: <T extends FromWorld['type']>(type: T, ms: number) => Promise<Extract<FromWorld, { type: T }>>; events: WorldEvent[]; onEvent: Set<(e: WorldEvent) => void> } {
  const worldMain = join(dirname(fileURLToPath(import.meta.url)), 'world-main.js');
  const child = spawn(tools.unshare, ['--net', '--', node, worldMain], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const events: WorldEvent[] = [];
  const onEvent = new Set<(e: WorldEvent) => void>();
  const inbox: FromWorld[] = [];
  const waiters = new Set<() => void>();
  child.on('message', (m: FromWorld) => {
    if (m.type === 'event') { events.push(m.event); for (const f of onEvent) f(m.event); return; }
    inbox.push(m);
    for (const w of [...waiters]) w();
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const next = <T extends FromWorld['type']>(type: T, ms: number): Promise<Extract<FromWorld, { type: T }>> => new Promise((res, rej) => {
    const check = (): boolean => {
      const i = inbox.findIndex((m) => m.type === type || m.type === 'error');
      if (i < 0) return false;
      const [m] = inbox.splice(i, 1) as [FromWorld];
      cleanup();
      if (m.type === 'error') rej(new Error(`the trap's world failed: ${m.message}`));
      else res(m as Extract<FromWorld, { type: T }>);
      return true;
    };
    const timer = setTimeout(() => { cleanup(); rej(new Error(`the trap's world did not answer "${type}" within ${ms} ms`)); }, ms);
    const cleanup = (): void => { clearTimeout(timer); waiters.delete(w); };
    const w = (): void => { check(); };
    if (check()) return;
    waiters.add(w);
    void exited.then(() => { if (!check()) { cleanup(); rej(new Error(`the trap's world exited before "${type}"`)); } });
  });
  return { child, next, events, onEvent };
}

export interface TrapOptions {
  workDir: string;
  node: string;
  catchAll?: CatchAllMode;
  /** Test-only (test-knobs.ts): record the world's loopback instead of the veth. */
  blindRecorder?: boolean;
}

export async function buildTrap(tools: Tools, opts: TrapOptions): Promise<Trap> {
  if (!recorderBuilt()) {
    throw new Error(`the frame recorder is not built (${recorderPath} missing): install a C compiler and run \`npm run build:native\``);
  }
  // A kernel booted without IPv6 (ipv6.disable=1) gets an IPv4-only trap, and the report says so.
  const ipv6 = existsSync('/proc/net/if_inet6');
  const v6 = (lines: string[]): string[] => (ipv6 ? lines : []);
  const world = startWorld(tools, opts.node);
  const send = (m: ToWorld): void => { world.child.send(m); };
  const destroy = (): void => { if (world.child.exitCode === null) world.child.kill('SIGKILL'); };
  try {
    const { pid } = await world.next('hello', 15_000);
    // The veth pair: its world end goes straight into the world's namespace, still down.
    await must(tools.ip, ['link', 'add', TRAP.sealedIf, 'type', 'veth', 'peer', 'name', TRAP.worldIf, 'netns', String(pid)]);
    send({ cmd: 'start', iface: opts.blindRecorder ? 'lo' : TRAP.worldIf, pcap: join(opts.workDir, 'trap.pcap'), catchPort: CATCH_PORT, log: join(opts.workDir, 'world.jsonl'), ipv6 });
    const started = await world.next('started', 15_000);
    // Only now the links come up: the recorder is already listening.
    await ipBatch(tools, [
      `addr add ${TRAP.worldV4}/30 dev ${TRAP.worldIf}`,
      ...v6([`addr add ${TRAP.worldV6}/126 dev ${TRAP.worldIf} nodad`]),
      'link set lo up',
      `link set ${TRAP.worldIf} up`,
      // AnyIP: every address is local to the world, so a hard-coded 8.8.8.8 is answered too —
      // except the jail side's own link, or the world's answers would loop back to itself.
      'route add local 0.0.0.0/0 dev lo',
      `route add ${TRAP.linkV4} dev ${TRAP.worldIf} table local`,
      ...v6(['route add local ::/0 dev lo', `route add ${TRAP.linkV6} dev ${TRAP.worldIf} table local`]),
    ], pid);
    const catchAll = await installCatchAll(tools, pid, opts.catchAll ?? 'auto');
    await ipBatch(tools, [
      'link set lo up',
      `addr add ${TRAP.sealedV4}/30 dev ${TRAP.sealedIf}`,
      ...v6([`addr add ${TRAP.sealedV6}/126 dev ${TRAP.sealedIf} nodad`]),
      `link set ${TRAP.sealedIf} up`,
      `route add default via ${TRAP.worldV4}`,
      ...v6([`route add ::/0 via ${TRAP.worldV6}`]),
    ]);
    const resolver = `${await redirectResolver(tools, opts.workDir, ipv6)}${ipv6 ? '' : '; IPv4 only (this kernel has no IPv6)'}`;
    return {
      worldPid: pid,
      recorder: `${started.recorder} (AF_PACKET on the world's end of the veth)`,
      catchAll,
      resolver,
      events: world.events,
      waitForEvent(pred, ms) {
        if (world.events.some(pred)) return Promise.resolve(true);
        return new Promise((res) => {
          const f = (e: WorldEvent): void => { if (pred(e)) { done(true); } };
          const timer = setTimeout(() => done(false), ms);
          const done = (v: boolean): void => { clearTimeout(timer); world.onEvent.delete(f); res(v); };
          world.onEvent.add(f);
        });
      },
      async stop() {
        send({ cmd: 'stop' });
        const { stats } = await world.next('stopped', 15_000);
        return stats;
      },
      destroy,
    };
  } catch (e) {
    destroy();
    throw e;
  }
}
