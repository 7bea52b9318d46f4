// The real server inside the trap: `hermetic serve` with the user's configuration (written into
// a temporary data dir by the outer command) on a free loopback port, started as the user
// (identity.ts), and a small client for its API with the token from that data dir.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { TrapPlan } from './types.js';

export interface ApiResponse { status: number; headers: Headers; body: Buffer }

export interface ServerSession {
  url: string;
  request(method: 'GET' | 'POST', path: string, body?: Buffer, contentType?: string): Promise<ApiResponse>;
  json<T>(path: string): Promise<T>;
  /** SIGTERM, then SIGKILL after 10 s; the exit code. */
  stop(): Promise<number | null>;
}

/** Environment of the children: HERMETIC_* configuration is already in the data dir's config.json. */
export function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    // HERMETIC_JAIL_FAULT (fault injection) passes: it is part of what is being proven.
    if (k.startsWith('HERMETIC_') && k !== 'HERMETIC_JAIL_FAULT') continue;
    env[k] = v;
  }
  return env;
}

export async function startServer(plan: TrapPlan, asUser: string[], logFile: string): Promise<ServerSession> {
  const [cmd, ...prefix] = [...asUser, plan.node];
  const args = [...prefix, plan.mainJs, 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', plan.dataDir, '--converters', plan.convertersDir];
  const child: ChildProcess = spawn(cmd as string, args, { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
  const log = createWriteStream(logFile);
  child.stderr?.pipe(log);
  let output = '';
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`the server did not start within 60 s; output: ${output.trim().slice(-500)}`)); }, 60_000);
    if (child.stdout) {
      createInterface({ input: child.stdout }).on('line', (line) => {
        output += `${line}\n`;
        log.write(`[stdout] ${line.replace(/\?token=\w+/, '?token=…')}\n`);
        const m = / serving on (http:\/\/\S+?)\/? \(/.exec(line);
        if (m?.[1]) { clearTimeout(timer); resolve(m[1]); }
      });
    }
    child.once('error', (e) => { clearTimeout(timer); reject(new Error(`cannot start the server: ${e.message}`)); });
    void exited.then((code) => { clearTimeout(timer); reject(new Error(`the server exited (${code}) before serving; see its log: ${output.trim().slice(-500)}`)); });
  });
  const token = readFileSync(join(plan.dataDir, 'token'), 'utf8').trim();
  const request = async (method: 'GET' | 'POST', path: string, body?: Buffer, contentType?: string): Promise<ApiResponse> => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (contentType) headers['content-type'] = contentType;
    const r = await fetch(`${url}${path}`, { method, headers, ...(body ? { body: new Uint8Array(body) } : {}), signal: AbortSignal.timeout(90_000) });
    return { status: r.status, headers: r.headers, body: Buffer.from(await r.arrayBuffer()) };
  };
  return {
    url,
    request,
    async json<T>(path: string): Promise<T> {
      const r = await request('GET', path);
      if (r.status !== 200) throw new Error(`GET ${path}: HTTP ${r.status}: ${r.body.toString('utf8').slice(0, 300)}`);
      return JSON.parse(r.body.toString('utf8')) as T;
    },
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      log.end();
      return code;
    },
  };
}
