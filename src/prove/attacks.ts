// The hostile part of the run: the attacker fixture (attacker.ts) as a user converter — one job
// per attempt, so a strictness that kills the worker at the first violation still sees every
// kind of try — and then as a program under `hermetic run`. Collects what the fixture itself
// saw and what the application reported (security events; the jail supervisor's JSON lines).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ATTEMPTS, attemptTarget, type Outcome } from './attacker.js';
import { childEnv, type ServerSession } from './server-session.js';
import type { FixtureOutcome, TrapPlan } from './types.js';

export const ATTACKER_FILE = 'hermetic-prove-attacker.mjs';
export const ATTACKER_ID = 'hermetic-prove-attacker';

/** The layer an error code points at (what the fixture can tell from inside). */
export function layerOfCode(code: string | undefined): string | undefined {
  if (!code) return undefined;
  if (code === 'ERR_NETWORK_ISOLATED') return 'tripwire';
  if (code === 'ERR_ACCESS_DENIED') return 'node-permission';
  if (code === 'EPERM') return 'seccomp';
  if (code === 'EACCES') return 'landlock';
  if (code === 'ENETUNREACH' || code === 'EADDRNOTAVAIL' || code === 'EHOSTUNREACH') return 'namespace';
  return undefined;
}

function toOutcome(path: 'server' | 'run', o: Outcome): FixtureOutcome {
  const layer = o.outcome === 'blocked' ? layerOfCode(o.code) : undefined;
  return {
    path, attempt: o.attempt, target: o.target, outcome: o.outcome,
    ...(o.code ? { code: o.code } : {}), ...(o.message ? { message: o.message } : {}), ...(layer ? { layer } : {}),
    ...(o.startedAt ? { startedAt: o.startedAt, endedAt: o.endedAt } : {}),
  };
}

/** When each attempt ran (ms since the epoch): a report in between belongs to it. */
export interface AttemptWindow { attempt: string; start: number; end: number }

export interface ServerAttackResult { outcomes: FixtureOutcome[]; windows: AttemptWindow[]; jobs: { attempt: string; status: number; error?: string }[] }

/** One job per attempt through POST /api/convert with the attacker converter. */
export async function attackThroughServer(server: ServerSession): Promise<ServerAttackResult> {
  const outcomes: FixtureOutcome[] = [];
  const jobs: ServerAttackResult['jobs'] = [];
  const windows: AttemptWindow[] = [];
  for (const attempt of ATTEMPTS) {
    const q = new URLSearchParams({ from: 'txt', to: 'json', converter: ATTACKER_ID, name: 'attack.txt', options: JSON.stringify({ attempt, tag: 'server' }) });
    const start = Date.now();
    const r = await server.request('POST', `/api/convert?${q}`, Buffer.from('hermetic prove\n'), 'application/octet-stream');
    windows.push({ attempt, start, end: Date.now() });
    if (r.status === 200) {
      const o = JSON.parse(r.body.toString('utf8')) as Outcome;
      outcomes.push(toOutcome('server', o));
      jobs.push({ attempt, status: r.status });
    } else {
      // The worker was stopped before it could answer (strict: at the first violation).
      let code = `HTTP ${r.status}`;
      let msg = r.body.toString('utf8').slice(0, 300);
      try { const e = (JSON.parse(r.body.toString('utf8')) as { error: { code: string; message: string } }).error; code = e.code; msg = e.message; } catch {}
      jobs.push({ attempt, status: r.status, error: `${code}: ${msg}` });
      outcomes.push({ path: 'server', attempt, target: attemptTarget('server', attempt), outcome: 'blocked', code, message: `job stopped (HTTP ${r.status}): ${msg}` });
    }
  }
  return { outcomes, windows, jobs };
}

export interface RunAttackResult { outcomes: FixtureOutcome[]; windows: AttemptWindow[]; events: Record<string, unknown>[]; exitCode: number | null; stderr: string }

/** The same attempts as a program: `hermetic run --json-events F -- node attacker.mjs --tag run`. */
export async function attackThroughRun(plan: TrapPlan, asUser: string[]): Promise<RunAttackResult> {
  const eventsFile = join(plan.workDir, 'run-events.jsonl');
  const scratch = join(plan.workDir, 'run-scratch');
  mkdirSync(scratch, { recursive: true });
  const [cmd, ...prefix] = [...asUser, plan.node];
  const args = [...prefix, plan.mainJs, 'run', '--json-events', eventsFile, '--allow-write', scratch, '--timeout-ms', '30000',
    '--', plan.node, join(plan.convertersDir, ATTACKER_FILE), '--tag', 'run'];
  const child = spawn(cmd as string, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: scratch, env: childEnv() });
  const outcomes: FixtureOutcome[] = [];
  const windows: AttemptWindow[] = [];
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  if (child.stdout) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      let o: Outcome;
      try { o = JSON.parse(line) as Outcome; } catch { return; }
      outcomes.push(toOutcome('run', o));
      if (o.startedAt && o.endedAt) windows.push({ attempt: o.attempt, start: o.startedAt, end: o.endedAt });
    });
  }
  const exitCode = await new Promise<number | null>((r) => { child.once('close', (code) => r(code)); child.once('error', () => r(null)); });
  const events = existsSync(eventsFile)
    ? readFileSync(eventsFile, 'utf8').split('\n').filter(Boolean).flatMap((l) => { try { return [JSON.parse(l) as Record<string, unknown>]; } catch { return []; } })
    : [];
  return { outcomes, windows, events, exitCode, stderr };
}
