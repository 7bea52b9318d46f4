// The hostile fixture of `hermetic prove`: a user converter (txt → json) that deliberately tries
// to reach the network — fetch, raw TCP, UDP, a DNS lookup, a child `curl` — and says what
// happened to each try. `prove` copies this compiled file into a temporary converters folder
// (as a plugin the server loads in a jailed worker) and also runs it as a program under
// `hermetic run`. It imports nothing but Node's built-ins, so the copy works on its own.
//
//   as a plugin:   options { attempt: 'fetch' | 'tcp' | 'udp' | 'dns' | 'curl', tag: 'server' }
//   as a program:  node attacker.mjs --tag run     (every attempt; one JSON line each)
//
// Every destination is inside the trap (names under .invalid; 192.0.2.0/24) and carries the
// tag and the attempt in its name or port, so a frame that leaves can be traced to its try.
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import { pathToFileURL } from 'node:url';

export const ATTEMPTS = ['fetch', 'tcp', 'udp', 'dns', 'curl'] as const;
export type AttemptName = (typeof ATTEMPTS)[number];

const SUFFIX = 'hermetic-prove.invalid';
const FAR_V4 = '192.0.2.80';
const TIMEOUT_MS = 3000;

/** Destination port of an attempt: 81xx through the server, 82xx through `hermetic run`. */
export function attemptPort(tag: string, attempt: AttemptName): number {
  return (tag === 'run' ? 8200 : 8100) + ATTEMPTS.indexOf(attempt) + 1;
}

export function attemptName(tag: string, attempt: AttemptName): string {
  return `${attempt}-${tag}.${SUFFIX}`;
}

/** What the try aims at, for humans and for matching leaks. */
export function attemptTarget(tag: string, attempt: AttemptName): string {
  switch (attempt) {
    case 'tcp': case 'udp': return `${FAR_V4}:${attemptPort(tag, attempt)}`;
    case 'dns': return attemptName(tag, attempt);
    default: return `http://${attemptName(tag, attempt)}:${attemptPort(tag, attempt)}/`;
  }
}

export interface Outcome {
  attempt: string; tag: string; target: string;
  outcome: 'blocked' | 'reached' | 'skipped' | 'no-answer';
  code?: string; message?: string;
  /** When the try started and ended (ms since the epoch): reports in between belong to it. */
  startedAt?: number; endedAt?: number;
}

function blocked(base: Omit<Outcome, 'outcome'>, e: unknown): Outcome {
  const err = (e as { cause?: unknown })?.cause ?? e;
  const code = String((err as { code?: unknown })?.code ?? (err as Error)?.name ?? 'ERROR');
  return { ...base, outcome: 'blocked', code, message: String((err as Error)?.message ?? err).split('\n')[0]?.slice(0, 300) ?? '' };
}

function withTimeout<T>(p: Promise<T>, onTimeout: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T>((r) => { timer = setTimeout(() => r(onTimeout()), TIMEOUT_MS); })]).finally(() => clearTimeout(timer));
}

export async function attempt(name: AttemptName, tag: string): Promise<Outcome> {
  const startedAt = Date.now();
  const o = await tryOnce(name, tag);
  return { ...o, startedAt, endedAt: Date.now() };
}

async function tryOnce(name: AttemptName, tag: string): Promise<Outcome> {
  const base = { attempt: name, tag, target: attemptTarget(tag, name) };
  const noAnswer = (): Outcome => ({ ...base, outcome: 'no-answer', code: 'TIMEOUT' });
  try {
    switch (name) {
      case 'fetch':
        return await withTimeout(fetch(base.target, { signal: AbortSignal.timeout(TIMEOUT_MS) }).then(async (r) => {
          await r.arrayBuffer();
          return { ...base, outcome: 'reached' as const, code: `HTTP ${r.status}` };
        }, (e: unknown) => blocked(base, e)), noAnswer);
      case 'tcp':
        return await withTimeout(new Promise<Outcome>((resolve) => {
          const s = net.connect({ host: FAR_V4, port: attemptPort(tag, name) });
          s.on('connect', () => { s.destroy(); resolve({ ...base, outcome: 'reached', code: 'CONNECTED' }); });
          s.on('error', (e) => resolve(blocked(base, e)));
        }), noAnswer);
      case 'udp':
        return await withTimeout(new Promise<Outcome>((resolve) => {
          const s = dgram.createSocket('udp4');
          s.on('error', (e) => { s.close(); resolve(blocked(base, e)); });
          s.send(Buffer.from('hermetic prove: udp'), attemptPort(tag, name), FAR_V4, (e) => {
            s.close();
            resolve(e ? blocked(base, e) : { ...base, outcome: 'reached', code: 'SENT' });
          });
        }), noAnswer);
      case 'dns':
        return await withTimeout(dns.promises.lookup(attemptName(tag, name)).then(
          (r) => ({ ...base, outcome: 'reached' as const, code: `RESOLVED ${r.address}` }),
          (e: unknown) => blocked(base, e)), noAnswer);
      case 'curl':
        return await new Promise<Outcome>((resolve) => {
          let stderr = '';
          let child;
          try {
            child = spawn('curl', ['-sS', '--max-time', String(TIMEOUT_MS / 1000), '-o', '/dev/null', base.target], { stdio: ['ignore', 'ignore', 'pipe'] });
          } catch (e) { resolve(blocked(base, e)); return; }
          child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
          child.on('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ENOENT' ? { ...base, outcome: 'skipped', code: 'ENOENT', message: 'curl is not installed' } : blocked(base, e)));
          child.on('exit', (code) => {
            if (code === 0) resolve({ ...base, outcome: 'reached', code: 'curl exit 0' });
            else if (code === 28) resolve({ ...base, outcome: 'no-answer', code: 'curl exit 28', message: stderr.trim().slice(0, 300) });
            else resolve({ ...base, outcome: 'blocked', code: `curl exit ${code}`, message: stderr.trim().split('\n')[0]?.slice(0, 300) ?? '' });
          });
        });
    }
  } catch (e) {
    return blocked(base, e);
  }
}

export const manifest = { id: 'hermetic-prove-attacker', title: 'hermetic prove: a converter that tries the network', from: ['txt'], to: ['json'] };

export async function convert(_input: unknown, options: { attempt?: string; tag?: string }): Promise<{ data: Buffer; format: 'json' }> {
  const name = (ATTEMPTS as readonly string[]).includes(String(options.attempt)) ? (options.attempt as AttemptName) : 'fetch';
  const r = await attempt(name, String(options.tag ?? 'server'));
  return { data: Buffer.from(JSON.stringify(r)), format: 'json' };
}

async function main(argv: string[]): Promise<void> {
  const i = argv.indexOf('--tag');
  const tag = i >= 0 ? String(argv[i + 1]) : 'run';
  for (const name of ATTEMPTS) process.stdout.write(`${JSON.stringify(await attempt(name, tag))}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(() => process.exit(0), (e: unknown) => { console.error(e); process.exit(1); });
}
