// A throw-away two-namespace network for the firewall behaviour tests: "sealed" (where the
// generated rules are loaded and the blocked uid runs) and "world" (a listener standing in for
// the internet), joined by a veth pair with documentation addresses only (192.0.2.0/24,
// 2001:db8::/64). Nothing here touches the host's own rules or interfaces, and destroy()
// removes both namespaces.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fixturesDir, isRoot, testNode } from '../helpers/paths.js';

export const SEALED_V4 = '192.0.2.1';
export const WORLD_V4 = '192.0.2.2';
export const SEALED_V6 = '2001:db8::1';
export const WORLD_V6 = '2001:db8::2';

const probeScript = join(fixturesDir, 'firewall', 'probe.mjs');
const listenerScript = join(fixturesDir, 'firewall', 'listener.mjs');

export interface Exec { code: number | null; stdout: string; stderr: string }

export function exec(cmd: string, args: string[], input?: string): Promise<Exec> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { encoding: 'utf8', timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? Number((err as NodeJS.ErrnoException).code) : (child.exitCode ?? 1)) : 0;
      resolve({ code, stdout, stderr: stderr || (err && !stderr ? err.message : '') });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

async function must(cmd: string, args: string[], input?: string): Promise<string> {
  const r = await exec(cmd, args, input);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

function has(tool: string): boolean {
  const r = spawnSync(tool, ['--version'], { stdio: 'ignore' });
  return !r.error;
}

/** Why the lab cannot be built here, or null. Tools that are really absent are named. */
export function labUnavailable(tools: string[]): string | null {
  if (process.platform !== 'linux') return 'network namespaces are Linux-only';
  if (!isRoot) return 'needs root (ip netns, loading rules); CI runs as root';
  const missing = ['ip', 'setpriv', ...tools].filter((t) => !has(t));
  return missing.length ? `not installed: ${missing.join(', ')} (apt-get install nftables iptables iproute2 util-linux)` : null;
}

/** A command inside a namespace, as root (uid null) or as the given uid with no groups. */
export function nsArgs(ns: string, uid: number | null, cmd: string, args: string[]): string[] {
  const as = uid === null ? [] : ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups'];
  return ['netns', 'exec', ns, ...as, cmd, ...args];
}

export interface ProbeResult { ok: boolean; code?: string }

export interface Listener {
  readonly tcp: number;
  readonly udp: number;
  /** Resolves true once `predicate` holds, false after `ms`. */
  waitFor(predicate: (l: Listener) => boolean, ms: number): Promise<boolean>;
  stop(): void;
}

export interface Lab {
  sealed: string;
  world: string;
  /** Run the probe fixture in `ns` as `uid`. */
  probe(ns: string, uid: number | null, proto: 'tcp' | 'udp', host: string, port: number, timeoutMs?: number): Promise<ProbeResult>;
  listen(ns: string, uid: number | null, tcpPorts: number[], udpPort: number): Promise<Listener>;
  /** `ip netns exec NS cmd args` as root. */
  run(ns: string, cmd: string, args: string[], input?: string): Promise<Exec>;
  destroy(): Promise<void>;
}

export async function createLab(): Promise<Lab> {
  const id = randomBytes(3).toString('hex');
  const sealed = `hermetic-fw-s-${id}`;
  const world = `hermetic-fw-w-${id}`;
  const vs = `hfs${id}`;
  const vw = `hfw${id}`;
  const children = new Set<ChildProcess>();
  const created: string[] = [];
  const destroy = async () => {
    for (const c of children) c.kill('SIGKILL');
    for (const ns of created) await exec('ip', ['netns', 'del', ns]);
  };
  try {
    await must('ip', ['netns', 'add', sealed]); created.push(sealed);
    await must('ip', ['netns', 'add', world]); created.push(world);
    await must('ip', ['link', 'add', vs, 'netns', sealed, 'type', 'veth', 'peer', 'name', vw, 'netns', world]);
    for (const [ns, dev, v4, v6] of [[sealed, vs, SEALED_V4, SEALED_V6], [world, vw, WORLD_V4, WORLD_V6]] as const) {
      await must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      await must('ip', ['-n', ns, 'addr', 'add', `${v4}/24`, 'dev', dev]);
      // nodad: the address is usable at once instead of after duplicate address detection.
      await must('ip', ['-n', ns, '-6', 'addr', 'add', `${v6}/64`, 'dev', dev, 'nodad']);
      await must('ip', ['-n', ns, 'link', 'set', dev, 'up']);
    }
  } catch (e) {
    await destroy();
    throw e;
  }

  const run = (ns: string, cmd: string, args: string[], input?: string) => exec('ip', nsArgs(ns, null, cmd, args), input);

  const probe = async (ns: string, uid: number | null, proto: 'tcp' | 'udp', host: string, port: number, timeoutMs = 1500): Promise<ProbeResult> => {
    const r = await exec('ip', nsArgs(ns, uid, testNode, [probeScript, proto, host, String(port), String(timeoutMs)]));
    const line = r.stdout.trim().split('\n').pop() ?? '';
    try {
      return JSON.parse(line) as ProbeResult;
    } catch {
      throw new Error(`probe gave no result (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
    }
  };

  const listen = (ns: string, uid: number | null, tcpPorts: number[], udpPort: number) => new Promise<Listener>((resolve, reject) => {
    const child = spawn('ip', nsArgs(ns, uid, testNode, [listenerScript, tcpPorts.join(','), String(udpPort)]), { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let tcp = 0;
    let udp = 0;
    let buf = '';
    let stderr = '';
    const waiters = new Set<() => void>();
    const listener: Listener = {
      get tcp() { return tcp; },
      get udp() { return udp; },
      waitFor(predicate, ms) {
        if (predicate(listener)) return Promise.resolve(true);
        return new Promise((res) => {
          const check = () => { if (predicate(listener)) { cleanup(); res(true); } };
          const timer = setTimeout(() => { cleanup(); res(predicate(listener)); }, ms);
          const cleanup = () => { clearTimeout(timer); waiters.delete(check); };
          waiters.add(check);
        });
      },
      stop() { child.kill('SIGKILL'); children.delete(child); },
    };
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('exit', (code) => reject(new Error(`listener exited (${code}): ${stderr.trim()}`)));
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const msg = JSON.parse(buf.slice(0, nl)) as { ready?: boolean; tcp?: number; udp?: number };
        buf = buf.slice(nl + 1);
        if (msg.ready) resolve(listener);
        if (msg.tcp !== undefined) tcp++;
        if (msg.udp !== undefined) udp++;
        for (const w of [...waiters]) w();
      }
    });
  });

  return { sealed, world, probe, listen, run, destroy };
}
