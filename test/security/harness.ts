// Shared set-up for the security suite: a REAL `hermetic serve` in a child process (the CLI the
// user runs, on a real loopback socket), raw-socket requests that no client library normalises,
// other users' uids for ownership tests, and /proc readings (process tree, RSS, open fds).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath, testNode } from '../helpers/paths.js';

/** A private (0700) temporary folder. */
export function privateTmp(prefix = 'hermetic-sec-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(d, 0o700);
  return d;
}

/** The environment for a child server: ours, minus every HERMETIC_* setting (tests set their own). */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('HERMETIC_') && k !== 'HERMETIC_TEST_IN_NETNS' && k !== 'HERMETIC_TEST_NODE') delete env[k];
  return { ...env, ...extra };
}

export interface Served {
  child: ChildProcess;
  pid: number;
  port: number;
  url: string;
  token: string;
  dataDir: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
  /** SIGTERM and wait. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface ServeOptions {
  dataDir?: string;
  args?: string[];
  env?: Record<string, string>;
  /** Written as <dataDir>/config.json (mode 0600) before start. */
  config?: Record<string, unknown>;
  /** A command prefix, e.g. ['prlimit', '--nofile=2048:2048', '--']. */
  wrap?: string[];
  timeoutMs?: number;
}

/** Start `hermetic serve --port 0` and wait for its URL. */
export async function serve(opts: ServeOptions = {}): Promise<Served> {
  const dataDir = opts.dataDir ?? privateTmp();
  if (opts.config) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(dataDir, 'config.json'), JSON.stringify(opts.config), { mode: 0o600 });
  }
  const argv = [cliPath, 'serve', '--port', '0', '--data-dir', dataDir, ...(opts.args ?? [])];
  const [cmd, ...pre] = opts.wrap?.length ? [...opts.wrap, testNode] : [testNode];
  const child = spawn(cmd as string, [...pre, ...argv], { env: cleanEnv({ HERMETIC_LOG_LEVEL: 'warn', ...opts.env }), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const tokenUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`serve printed no URL within ${opts.timeoutMs ?? 45_000} ms\nstdout: ${out}\nstderr: ${err}`)); }, opts.timeoutMs ?? 45_000);
    const look = (): void => {
      const m = /Open: (http:\/\/\S+\?token=[0-9a-f]{64})/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1] as string); }
    };
    child.stdout?.on('data', look);
    void exited.then(({ code, signal }) => { clearTimeout(timer); reject(new Error(`serve exited (${code ?? signal}) before serving\nstdout: ${out}\nstderr: ${err}`)); });
  });
  const url = tokenUrl.replace(/\?token=.*$/, '');
  return {
    child,
    pid: child.pid ?? -1,
    port: Number(new URL(url).port),
    url,
    token: tokenUrl.replace(/^.*\?token=/, ''),
    dataDir,
    exited,
    stdout: () => out,
    stderr: () => err,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const r = await exited;
      clearTimeout(t);
      return r;
    },
  };
}

export interface RawAnswer { status: number; headers: Record<string, string>; body: string; raw: string }

/** Parse the first HTTP/1.x response in `data`. */
export function parseAnswer(data: string): RawAnswer {
  const i = data.indexOf('\r\n\r\n');
  const head = i >= 0 ? data.slice(0, i) : data;
  const body = i >= 0 ? data.slice(i + 4) : '';
  const lines = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) { const c = l.indexOf(':'); if (c > 0) headers[l.slice(0, c).toLowerCase()] = l.slice(c + 1).trim(); }
  return { status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0), headers, body, raw: data };
}

/**
 * One request written byte for byte on a fresh socket (Connection: close): the request target
 * goes out exactly as given — no client library decodes, normalises or rejects it first.
 */
export function rawRequest(port: number, method: string, target: string, headers: Record<string, string> = {}, body: string | Buffer = '', timeoutMs = 30_000): Promise<RawAnswer> {
  const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const all: Record<string, string> = { host: `127.0.0.1:${port}`, connection: 'close', ...headers };
  if (payload.length) all['content-length'] = String(payload.length);
  const head = `${method} ${target} HTTP/1.1\r\n${Object.entries(all).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`;
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port }, () => sock.write(Buffer.concat([Buffer.from(head, 'latin1'), payload])));
    let data = '';
    sock.setTimeout(timeoutMs, () => sock.destroy(new Error(`no answer to ${method} ${target} within ${timeoutMs} ms`)));
    sock.on('data', (d: Buffer) => {
      data += d.toString('latin1');
      // An event stream never ends by itself: its status line and headers are the answer.
      const i = data.indexOf('\r\n\r\n');
      if (i >= 0 && /^content-type: text\/event-stream/im.test(data.slice(0, i))) { resolve(parseAnswer(data)); sock.destroy(); }
    });
    sock.on('end', () => resolve(parseAnswer(data)));
    sock.on('close', () => resolve(parseAnswer(data)));
    sock.on('error', (e) => (data ? resolve(parseAnswer(data)) : reject(e)));
  });
}

/** A uid/gid no account on this machine has (for files "owned by another user" and setpriv). */
export function unusedUid(): number {
  const used = new Set<number>();
  for (const f of ['/etc/passwd', '/etc/group']) {
    try { for (const l of readFileSync(f, 'utf8').split('\n')) { const id = Number(l.split(':')[2]); if (Number.isInteger(id)) used.add(id); } } catch {}
  }
  for (;;) {
    const id = 61000 + Math.floor(Math.random() * 3000);
    if (!used.has(id)) return id;
  }
}

/** Direct children of every process (from /proc/<pid>/stat). */
function childrenMap(): Map<number, number[]> {
  const map = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = map.get(ppid) ?? [];
      list.push(Number(name));
      map.set(ppid, list);
    } catch { /* gone */ }
  }
  return map;
}

/** The pid and all its descendants that exist now. */
export function processTree(pid: number): number[] {
  const map = childrenMap();
  const out: number[] = [];
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop() as number;
    out.push(p);
    stack.push(...(map.get(p) ?? []));
  }
  return out.filter((p) => { try { readFileSync(`/proc/${p}/stat`); return true; } catch { return false; } });
}

/** Resident memory of one process in bytes (0 when gone). */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export function openFds(pid: number): number {
  try { return readdirSync(`/proc/${pid}/fd`).length; } catch { return 0; }
}

/** Processes (other than us) whose command line or environment mentions `needle`: leftovers of a server. */
export function processesMentioning(needle: string): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      let env = '';
      try { env = readFileSync(`/proc/${name}/environ`, 'utf8'); } catch {}
      if (cmd.includes(needle) || env.includes(needle)) {
        // A zombie has an empty cmdline and is not running anything.
        if (cmd) out.push({ pid: Number(name), cmd: cmd.slice(0, 200) });
      }
    } catch { /* gone */ }
  }
  return out;
}

export function socketInodesOf(pid: number): Set<string> {
  const out = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try { const l = readlinkSync(`/proc/${pid}/fd/${fd}`); if (l.startsWith('socket:')) out.add(l); } catch {}
    }
  } catch {}
  return out;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Remove a temp tree even if a test made parts of it read-only or foreign-owned. */
export function removeTree(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
