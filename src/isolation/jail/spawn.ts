// spawn(): run a command under every layer this machine allows (and the caller did not turn
// off), through the C helper's supervisor. Fail closed: a required layer that cannot be
// applied means nothing is started.
import { spawn as cpSpawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { JailError } from './errors.js';
import { helperPath } from './helper.js';
import { jailEnv } from './env.js';
import { looksLikeNode, permissionArgs, tripwireArgs, tripwireReadPaths } from './node-args.js';
import { envFaults, KERNEL_LAYERS, probe } from './probe.js';
import { LineSplitter, parseSupervisorLine } from './protocol.js';
import { readStartTime } from './proc.js';
import { guardStdio } from './stdio-guard.js';
import type { Capabilities, JailAttempt, JailHandle, JailSpawnOptions, LayerName, LayerState } from './types.js';

type StdioEntry = Exclude<StdioOptions, string>[number];

function normalizeStdio(s: StdioOptions | undefined): StdioEntry[] {
  const arr: StdioEntry[] = typeof s === 'string' || s === undefined ? [s ?? 'pipe', s ?? 'pipe', s ?? 'pipe'] : [...s];
  for (let i = 0; i < 3; i++) if (arr[i] === undefined || arr[i] === null) arr[i] = 'pipe';
  return arr;
}

function signalName(n: number | null): NodeJS.Signals | null {
  if (n === null) return null;
  for (const [name, num] of Object.entries(osConstants.signals)) if (num === n) return name as NodeJS.Signals;
  return null;
}

function validate(options: JailSpawnOptions): void {
  for (const dir of options.allowWrite ?? []) {
    let ok = false;
    try { ok = statSync(dir).isDirectory(); } catch {}
    if (!ok) throw new JailError('JAIL_BAD_ARGUMENT', `allowWrite: ${dir} is not an existing directory`);
  }
  for (const l of options.require ?? []) {
    if (options.disable?.includes(l)) throw new JailError('JAIL_BAD_ARGUMENT', `layer ${l} is both required and disabled`);
  }
}

/** Node-side decisions: the permission model and the tripwire preload. */
function nodePlan(command: string, options: JailSpawnOptions, caps: Capabilities): { args: string[]; state: LayerState } {
  const isNode = options.node ?? looksLikeNode(command);
  const args: string[] = [];
  let state: LayerState;
  const probeState = caps.layers['node-permission'];
  if (!isNode) state = { name: 'node-permission', inForce: false, reason: 'not a Node child' };
  else if (options.disable?.includes('node-permission')) state = { name: 'node-permission', inForce: false, reason: 'disabled by the caller' };
  else if (!probeState.available) state = { name: 'node-permission', inForce: false, reason: probeState.reason };
  else {
    const extraReads = options.tripwire ? tripwireReadPaths() : [];
    args.push(...permissionArgs(options.nodePermission ?? {}, options.allowWrite ?? [], extraReads));
    state = { name: 'node-permission', inForce: true, reason: `${probeState.reason}; granted: ${args.slice(1).join(' ') || 'nothing'}` };
  }
  if (options.require?.includes('node-permission') && !state.inForce) {
    throw new JailError('JAIL_LAYER_UNAVAILABLE', `required layer node-permission is not available: ${state.reason}`, { layer: 'node-permission' });
  }
  if (options.tripwire) {
    if (!isNode) throw new JailError('JAIL_BAD_ARGUMENT', 'tripwire: true needs a Node child');
    const t = tripwireArgs();
    if (!t) throw new JailError('JAIL_BAD_ARGUMENT', 'tripwire requested but dist/src/isolation/tripwire/register.js is not built');
    args.push(...t);
  }
  return { args, state };
}

export async function spawn(command: string, args: readonly string[] = [], options: JailSpawnOptions = {}): Promise<JailHandle> {
  validate(options);
  const faults = [...new Set([...(options.fault ?? []), ...envFaults()])];
  const isNode = options.node ?? looksLikeNode(command);
  const caps = probe(isNode ? { fault: faults, nodePath: command } : { fault: faults });
  const node = nodePlan(command, options, caps);
  const env = jailEnv(process.env, options.env);
  const stdio = normalizeStdio(options.stdio);
  const events = new EventEmitter();
  const attempts: JailAttempt[] = [];
  const required = (options.require ?? []).filter((l) => KERNEL_LAYERS.includes(l));

  if (!caps.helperBuilt) {
    if (required.length) {
      throw new JailError('JAIL_HELPER_MISSING', `required layer(s) ${required.join(', ')} need the jail helper: ${caps.layers.namespace.reason}`, { layers: required });
    }
    return spawnUnjailed(command, [...node.args, ...args], options, env, stdio, caps, node.state, events, attempts);
  }

  const disabled = new Set<LayerName>(options.disable ?? []);
  const helperArgs: string[] = [];
  for (const l of KERNEL_LAYERS) {
    if (disabled.has(l)) helperArgs.push(`--no-${l}`);
    if (required.includes(l)) helperArgs.push('--require', l);
    if (faults.includes(l)) helperArgs.push('--fault', l);
  }
  for (const d of options.allowWrite ?? []) helperArgs.push('--allow-write', d);
  stdio.forEach((s, i) => { if (i > 2 && s !== 'ipc' && s !== 'ignore' && s !== null && s !== undefined) helperArgs.push('--keep-fd', String(i)); });
  const reportFd = stdio.length;
  helperArgs.push('--report-fd', String(reportFd));
  if (options.report === false) helperArgs.push('--no-report');
  if (options.timeoutMs) helperArgs.push('--timeout-ms', String(Math.max(1, Math.round(options.timeoutMs))));
  if (options.memoryBytes) helperArgs.push('--memory-bytes', String(Math.round(options.memoryBytes)));
  helperArgs.push('--', command, ...node.args, ...args);

  const child = cpSpawn(helperPath, helperArgs, { cwd: options.cwd, env, stdio: [...stdio, 'pipe'] });
  guardStdio(child);
  const report = child.stdio[reportFd] as (Readable & Writable) | null;
  if (!report) throw new JailError('JAIL_HELPER_FAILED', 'no report channel from the jail helper');
  report.setEncoding('utf8');

  let exitLine: { code: number; signal: number | null } | null = null;
  let started: Extract<ReturnType<typeof parseSupervisorLine>, { event: 'started' }> | null = null;
  let reportEnded = false;
  const pending: JailAttempt[] = [];
  const splitter = new LineSplitter();

  const startedPromise = new Promise<void>((resolve, reject) => {
    const onLine = (line: string): void => {
      const ev = parseSupervisorLine(line);
      switch (ev.event) {
        case 'started': started = ev; resolve(); break;
        case 'error':
          reject(new JailError(ev.code, ev.message, { layer: ev.layer, errno: ev.errno, layers: ev.layers }));
          break;
        case 'attempt':
          attempts.push(ev.attempt);
          if (started) events.emit('attempt', ev.attempt); else pending.push(ev.attempt);
          break;
        case 'timeout': events.emit('timeout'); break;
        case 'exit': exitLine = { code: ev.code, signal: ev.signal }; break;
        case 'malformed': events.emit('malformed', ev.line); break;
        default: break;
      }
    };
    report.on('data', (chunk: string) => { for (const l of splitter.push(chunk)) onLine(l); });
    report.on('error', () => {});
    child.once('error', (e) => reject(new JailError('JAIL_HELPER_FAILED', `cannot start the jail helper: ${e.message}`)));
    child.once('exit', (code, sig) => {
      // Let the report stream drain first: the error line may still be in flight.
      const fail = (): void => reject(new JailError('JAIL_HELPER_FAILED', `the jail helper exited (${sig ?? code}) before starting the command`));
      if (reportEnded) fail(); else report.once('close', fail);
    });
  });
  const reportClosed = new Promise<void>((r) => report.once('close', () => { reportEnded = true; r(); }));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, sig) => {
      void reportClosed.then(() => {
        const e = exitLine as { code: number; signal: number | null } | null;
        if (e) resolve({ code: e.signal !== null ? null : e.code, signal: signalName(e.signal) });
        else resolve({ code, signal: sig });
      });
    });
  });

  try {
    await startedPromise;
  } catch (e) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    throw e;
  }
  const s = started as unknown as { pid: number; startTime: number; supervisorPid: number; layers: LayerState[] };
  let done = false;
  void exited.then(() => { done = true; });
  const handle: JailHandle = {
    child,
    pid: s.pid,
    startTime: s.startTime,
    supervisorPid: child.pid ?? null,
    layers: [...s.layers, node.state],
    events,
    attempts,
    kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (done) return;
      const num = osConstants.signals[signal];
      // The supervisor signals every process of the tree (it is their subreaper).
      if (report.writable) report.write(`kill ${num}\n`);
      // Belt and braces for SIGKILL: the jailed process group directly.
      if (signal === 'SIGKILL') { try { process.kill(-s.pid, 'SIGKILL'); } catch {} }
    },
    exited,
  };
  if (pending.length) setImmediate(() => { for (const a of pending) events.emit('attempt', a); });
  return handle;
}

/** No helper (no compiler, not Linux): the command runs with the env allow-list only, and says so. */
function spawnUnjailed(command: string, args: string[], options: JailSpawnOptions, env: Record<string, string>,
  stdio: StdioEntry[], caps: Capabilities, nodeState: LayerState, events: EventEmitter, attempts: JailAttempt[]): Promise<JailHandle> {
  const child: ChildProcess = cpSpawn(command, args, { cwd: options.cwd, env, stdio, detached: process.platform !== 'win32' });
  guardStdio(child);
  return new Promise((resolve, reject) => {
    child.once('error', (e: NodeJS.ErrnoException) => reject(new JailError('JAIL_EXEC_FAILED', `cannot execute ${command}: ${e.message}`, { errno: e.code })));
    child.once('spawn', () => {
      const pid = child.pid ?? 0;
      let timer: NodeJS.Timeout | undefined;
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => { if (timer) clearTimeout(timer); r({ code, signal }); }));
      let done = false;
      void exited.then(() => { done = true; });
      const kill = (signal: NodeJS.Signals = 'SIGKILL'): void => {
        if (done) return;
        try { process.kill(process.platform === 'win32' ? pid : -pid, signal); } catch { child.kill(signal); }
      };
      if (options.timeoutMs) timer = setTimeout(() => { events.emit('timeout'); kill('SIGKILL'); }, options.timeoutMs);
      resolve({
        child, pid, startTime: readStartTime(pid), supervisorPid: null,
        layers: [...KERNEL_LAYERS.map((l) => ({ name: l, inForce: false, reason: caps.layers[l].reason })), nodeState],
        events, attempts, kill, exited,
      });
    });
  });
}
