// The outer half of `hermetic prove`, in the user's own namespaces: prepares a temporary data
// dir with the user's configuration and a converters folder holding the attacker fixture, then
// starts the orchestrator in fresh jail-side namespaces (inside-main.ts) — as root a plain
// network + mount namespace, otherwise an unprivileged user namespace — and reads its report.
// Nothing here touches the host's interfaces, rules or mounts; the namespaces vanish with their
// last process.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/index.js';
import { packageRoot } from '../version.js';
import { ATTACKER_FILE } from './attacks.js';
import { findProgram } from './tools.js';
import type { ProveReport, TrapPlan } from './types.js';

export interface ProveOptions {
  config: Config;
  keep: boolean;
  /** Outer time limit; the orchestrator is killed after it. */
  timeoutMs?: number;
  /** Where progress lines go (default: stderr). */
  progress?: (line: string) => void;
}

/** Configuration keys that belong to the user's server, not to the one inside the trap. */
const NOT_COPIED = new Set(['dataDir', 'port', 'host', 'convertersDir', 'allowNonLoopback']);

function prepare(config: Config, workDir: string): { dataDir: string; convertersDir: string } {
  const dataDir = join(workDir, 'data');
  const convertersDir = join(workDir, 'converters');
  mkdirSync(dataDir, { mode: 0o700 });
  mkdirSync(convertersDir);
  const copied = Object.fromEntries(Object.entries(config).filter(([k]) => !NOT_COPIED.has(k)));
  writeFileSync(join(dataDir, 'config.json'), `${JSON.stringify(copied, null, 2)}\n`);
  copyFileSync(join(dirname(fileURLToPath(import.meta.url)), 'attacker.js'), join(convertersDir, ATTACKER_FILE));
  return { dataDir, convertersDir };
}

function voidReport(reason: string, strictness: string, t0: number): ProveReport {
  return {
    verdict: 'void', packetsLeft: 0, attempts: [], conversions: [], reason, leaks: [],
    control: { probes: [], ok: false }, fixture: [], trap: null, strictness, faults: [], warnings: [],
    startedAt: new Date(t0).toISOString(), durationMs: Date.now() - t0,
  };
}

/** unshare arguments for the jail side of the trap, best first. */
function enterOptions(): { mode: TrapPlan['mode']; args: string[] }[] {
  const common = ['--net', '--mount', '--propagation', 'private'];
  const user = { mode: 'user-namespace' as const, args: ['--user', '--map-root-user', ...common] };
  return process.getuid?.() === 0 ? [{ mode: 'root', args: common }, user] : [user];
}

export async function prove(opts: ProveOptions): Promise<ProveReport> {
  const t0 = Date.now();
  const say = opts.progress ?? ((l: string) => process.stderr.write(`${l}\n`));
  const strictness = opts.config.strictness;
  if (process.platform !== 'linux') return voidReport(`hermetic prove needs Linux network namespaces; this is ${process.platform}`, strictness, t0);
  const unshare = findProgram('unshare');
  if (!unshare) return voidReport('cannot build the trap: unshare (util-linux) not found', strictness, t0);

  const workDir = mkdtempSync(join(tmpdir(), 'hermetic-prove-'));
  let report: ProveReport | null = null;
  try {
    const { dataDir, convertersDir } = prepare(opts.config, workDir);
    const tried: string[] = [];
    for (const enter of enterOptions()) {
      const probe = await runQuiet(unshare, [...enter.args, '--', 'true']);
      if (probe.code !== 0) { tried.push(`${enter.mode}: ${probe.stderr.trim() || `exit ${probe.code}`}`); continue; }
      const plan: TrapPlan = {
        workDir, dataDir, convertersDir, strictness,
        node: process.execPath, mainJs: join(packageRoot, 'dist', 'src', 'cli', 'main.js'),
        uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, mode: enter.mode,
        resultFile: join(workDir, 'result.json'), deadlineMs: (opts.timeoutMs ?? 170_000) - 10_000,
      };
      const planFile = join(workDir, 'plan.json');
      writeFileSync(planFile, JSON.stringify(plan));
      const inside = join(dirname(fileURLToPath(import.meta.url)), 'inside-main.js');
      const code = await runInside(unshare, [...enter.args, '--', process.execPath, inside, planFile], opts.timeoutMs ?? 170_000, say);
      if (existsSync(plan.resultFile)) report = JSON.parse(readFileSync(plan.resultFile, 'utf8')) as ProveReport;
      else report = voidReport(`the run inside the trap ended (${code}) without a report`, strictness, t0);
      break;
    }
    report ??= voidReport(`cannot create the trap's namespaces: ${tried.join('; ')} (user namespaces refused? see kernel.apparmor_restrict_unprivileged_userns / user.max_user_namespaces)`, strictness, t0);
    report.durationMs = Date.now() - t0;
    if (opts.keep) report.keptIn = workDir;
    return report;
  } finally {
    if (!opts.keep) rmSync(workDir, { recursive: true, force: true });
  }
}

function runQuiet(cmd: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    c.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    c.on('error', (e) => resolve({ code: null, stderr: e.message }));
    c.on('close', (code) => resolve({ code, stderr }));
  });
}

function runInside(cmd: string, args: string[], timeoutMs: number, say: (l: string) => void): Promise<number | null> {
  return new Promise((resolve) => {
    // The IPC channel is the orchestrator's lifeline: when this process dies, it stops.
    // stdout too goes to the progress sink: the outer stdout is reserved for the report.
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    let buf = '';
    const onData = (d: Buffer): void => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) say(l);
    };
    c.stdout?.on('data', onData);
    c.stderr?.on('data', onData);
    const timer = setTimeout(() => { say(`hermetic prove: no result after ${timeoutMs} ms; stopping the trap`); c.kill('SIGKILL'); }, timeoutMs);
    // Ctrl+C / SIGTERM: the trap is taken down (its processes follow the orchestrator), and the
    // temporary folder is still removed by our caller.
    const interrupt = (sig: NodeJS.Signals): void => { say(`hermetic prove: ${sig}: stopping the trap`); c.kill('SIGKILL'); };
    process.on('SIGINT', interrupt);
    process.on('SIGTERM', interrupt);
    const done = (code: number | null): void => {
      clearTimeout(timer);
      process.off('SIGINT', interrupt);
      process.off('SIGTERM', interrupt);
      resolve(code);
    };
    c.on('error', () => done(null));
    c.on('close', (code) => { if (buf) say(buf); done(code); });
  });
}
