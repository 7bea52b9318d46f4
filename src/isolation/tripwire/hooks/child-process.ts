// child_process: refuse to start a known network client (curl, wget, nc, ssh, openssl s_client…)
// whether named directly, behind a wrapper (env, timeout…) or inside a shell string. Failures
// look like a program that could not be started: spawn → 'error' event, exec/execFile → the
// callback's error, spawnSync → `result.error`, execSync/execFileSync → a throw. fork() gets the
// tripwire preloaded into the Node child it starts.
import childProcess from 'node:child_process';
import { EventEmitter } from 'node:events';
import { Readable, Writable } from 'node:stream';
import { block } from '../block.js';
import { networkProgramIn, networkProgramInShell } from '../programs.js';
import { withTripwireExecArgv } from '../preload.js';

type AnyFn = (...args: unknown[]) => unknown;

interface SpawnOptionsLike { shell?: unknown; execArgv?: string[] }

function optionsArg(args: unknown[], from: number): SpawnOptionsLike | undefined {
  for (let i = from; i < args.length; i++) {
    const a = args[i];
    if (a && typeof a === 'object' && !Array.isArray(a)) return a as SpawnOptionsLike;
  }
  return undefined;
}

/** The network program a (file, args, options) spawn would run, or null. */
export function programForFile(file: unknown, argv: unknown, options: SpawnOptionsLike | undefined): string | null {
  if (typeof file !== 'string') return null;
  const list = Array.isArray(argv) ? argv.map(String) : [];
  if (options?.shell) return networkProgramInShell([file, ...list].join(' '));
  return networkProgramIn([file, ...list]);
}

function spawnBlock(api: string, program: string) {
  const { error } = block({ kind: 'process_spawn', api, target: program, shown: `program "${program}"` });
  error.syscall = `spawn ${program}`;
  return error;
}

/** A ChildProcess-shaped object for a program that was never started. */
function deadChild(error: Error, emitError: boolean): EventEmitter {
  const child = new childProcess.ChildProcess() as unknown as EventEmitter & Record<string, unknown>;
  child.stdin = new Writable({ write(_c, _e, cb) { cb(); } });
  child.stdout = Readable.from([]);
  child.stderr = Readable.from([]);
  child.stdio = [child.stdin, child.stdout, child.stderr];
  process.nextTick(() => {
    if (emitError) child.emit('error', error);
    child.emit('close', null, null);
  });
  return child;
}

function lastFn(args: unknown[]): AnyFn | undefined {
  const f = args[args.length - 1];
  return typeof f === 'function' ? (f as AnyFn) : undefined;
}

export function installChildProcessHooks(): boolean {
  const cp = childProcess as unknown as Record<string, AnyFn>;
  const { spawn, spawnSync, exec, execSync, execFile, execFileSync, fork } = cp;
  if (!spawn || !spawnSync || !exec || !execSync || !execFile || !execFileSync) return false;

  cp.spawn = function spawnHook(this: unknown, ...args: unknown[]) {
    const p = programForFile(args[0], args[1], optionsArg(args, 1));
    if (!p) return spawn.apply(this, args);
    return deadChild(spawnBlock('child_process.spawn', p), true);
  };
  cp.spawnSync = function spawnSyncHook(this: unknown, ...args: unknown[]) {
    const p = programForFile(args[0], args[1], optionsArg(args, 1));
    if (!p) return spawnSync.apply(this, args);
    const error = spawnBlock('child_process.spawnSync', p);
    return { pid: 0, output: [null, null, null], stdout: null, stderr: null, status: null, signal: null, error };
  };
  cp.exec = function execHook(this: unknown, ...args: unknown[]) {
    const p = typeof args[0] === 'string' ? networkProgramInShell(args[0]) : null;
    if (!p) return exec.apply(this, args);
    const error = spawnBlock('child_process.exec', p);
    const cb = lastFn(args);
    if (cb) process.nextTick(() => cb(error, '', ''));
    return deadChild(error, false);
  };
  cp.execFile = function execFileHook(this: unknown, ...args: unknown[]) {
    const p = programForFile(args[0], Array.isArray(args[1]) ? args[1] : [], optionsArg(args, 1));
    if (!p) return execFile.apply(this, args);
    const error = spawnBlock('child_process.execFile', p);
    const cb = lastFn(args);
    if (cb) process.nextTick(() => cb(error, '', ''));
    return deadChild(error, false);
  };
  cp.execSync = function execSyncHook(this: unknown, ...args: unknown[]) {
    const p = typeof args[0] === 'string' ? networkProgramInShell(args[0]) : null;
    if (!p) return execSync.apply(this, args);
    throw spawnBlock('child_process.execSync', p);
  };
  cp.execFileSync = function execFileSyncHook(this: unknown, ...args: unknown[]) {
    const p = programForFile(args[0], Array.isArray(args[1]) ? args[1] : [], optionsArg(args, 1));
    if (!p) return execFileSync.apply(this, args);
    throw spawnBlock('child_process.execFileSync', p);
  };
  if (fork) {
    cp.fork = function forkHook(this: unknown, ...args: unknown[]) {
      // fork(modulePath, [args], [options]): make sure the Node child preloads the tripwire.
      const a = [...args];
      let optIndex = Array.isArray(a[1]) ? 2 : 1;
      if (a[optIndex] === undefined || a[optIndex] === null) a[optIndex] = {};
      if (typeof a[optIndex] !== 'object') optIndex = -1;
      if (optIndex >= 0) {
        const o = { ...(a[optIndex] as SpawnOptionsLike) };
        o.execArgv = withTripwireExecArgv(o.execArgv ?? process.execArgv);
        a[optIndex] = o;
      }
      return fork.apply(this, a);
    };
  }
  return true;
}
