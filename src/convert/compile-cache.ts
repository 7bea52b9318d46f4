// Node's compile cache (V8 code cache, NODE_COMPILE_CACHE) for converter workers: a worker that
// finds its modules' bytecode on disk skips parsing and compiling them (measured in
// bench/convert.ts section 5).
//
// Trust: a code cache is code. Workers only ever READ it; it is written by one builder worker
// that imports and rehearses every built-in family and never sees a job, into a temporary
// folder that is renamed into place when the builder is done; its files are then made read-only. A worker
// that converts a hostile file must not be able to poison what later jobs' workers run, so the
// cache is handed to a worker only where the kernel makes it read-only for it: Landlock in
// force (its write grant is out/ alone). Node's permission model refuses to use a compile cache
// without a write grant for it, so that grant is given — Landlock answers EACCES to any write,
// which Node ignores. Without Landlock, no cache (and stats() says why).
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot, version } from '../version.js';

export type CacheState = 'ready' | 'absent' | 'building' | 'off';

const RETRY_MS = 10 * 60_000;

/** The builder runs at the lowest CPU priority: on a busy machine it may take minutes. */
export const BUILD_TIMEOUT_MS = 10 * 60_000;

function mtimeOf(p: string): string {
  try { const s = statSync(p); return `${s.size}:${s.mtimeMs}`; } catch { return '-'; }
}

/** Our own folder, not a symlink, or null. */
function ownDir(dir: string): boolean {
  try {
    const st = lstatSync(dir);
    return st.isDirectory() && (typeof process.getuid !== 'function' || st.uid === process.getuid());
  } catch { return false; }
}

/**
 * Files 0400; folders stay 0700. Sealing the folders too (0500) kept the user's own `rm -rf` of
 * the data dir from working (EACCES on every file inside) and added nothing: what keeps a worker
 * from writing here is Landlock, without which no worker gets the cache at all.
 */
function makeReadOnly(dir: string): void {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) makeReadOnly(p);
    else if (st.isFile()) chmodSync(p, 0o400);
  }
  chmodSync(dir, 0o700);
}

function removeTree(dir: string): void {
  // Caches of earlier versions sealed their folders 0500: reopen them so their files can be unlinked.
  const open = (d: string): void => {
    try { chmodSync(d, 0o700); } catch { return; }
    for (const name of readdirSync(d)) { const p = join(d, name); try { if (lstatSync(p).isDirectory()) open(p); } catch {} }
  };
  open(dir);
  rmSync(dir, { recursive: true, force: true });
}

export class CompileCache {
  /** <dataDir>/cache: compile-<key> (sealed) and build-XXXXXX (a builder at work). */
  private readonly root: string;
  readonly dir: string;
  private stateNow: CacheState;
  private why: string;
  /** When the last build failed: no new attempt for RETRY_MS (a broken set-up must not spin). */
  private failedAt = 0;

  constructor(dataDir: string, nodePath: string, workerScript: string, enabled: boolean, reasonOff = 'disabled') {
    this.root = join(dataDir, 'cache');
    // A new Node binary, Hermetic version or build (worker.js, the installed packages) means a new cache.
    const key = createHash('sha256')
      .update([nodePath, mtimeOf(nodePath), version, mtimeOf(workerScript), mtimeOf(join(packageRoot, 'node_modules', '.package-lock.json'))].join('\n'))
      .digest('hex').slice(0, 16);
    this.dir = join(this.root, `compile-${key}`);
    if (!enabled) { this.stateNow = 'off'; this.why = reasonOff; return; }
    this.stateNow = ownDir(this.dir) ? 'ready' : 'absent';
    this.why = this.stateNow === 'ready' ? 'built earlier' : 'not built yet';
  }

  get state(): CacheState { return this.stateNow; }
  get reason(): string { return this.why; }

  /** The cache folder for a worker, if it is ready. */
  ready(): string | null {
    return this.stateNow === 'ready' ? this.dir : null;
  }

  /** Stop handing the cache out (e.g. a worker ran without Landlock). */
  disable(reason: string): void {
    this.stateNow = 'off';
    this.why = reason;
  }

  /** A private folder for the builder to write into; null when no build is due. */
  beginBuild(): string | null {
    if (this.stateNow !== 'absent' || Date.now() - this.failedAt < RETRY_MS) return null;
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    if (!ownDir(this.root)) { this.disable(`${this.root} is not a folder of ours`); return null; }
    this.stateNow = 'building';
    this.why = 'a builder worker is filling it';
    return mkdtempSync(join(this.root, 'build-'));
  }

  /** The builder finished (ok) or failed: seal its folder into place, or throw it away. */
  endBuild(tmp: string, ok: boolean, reason = 'the builder failed'): void {
    if (this.stateNow !== 'building') { removeTree(tmp); return; }
    if (!ok) { removeTree(tmp); this.stateNow = 'absent'; this.why = reason; this.failedAt = Date.now(); return; }
    try {
      makeReadOnly(tmp);
      renameSync(tmp, this.dir);
    } catch {
      // Another Hermetic process sealed the same cache first: use theirs.
      removeTree(tmp);
      if (!existsSync(this.dir)) { this.stateNow = 'absent'; this.why = 'could not seal the cache'; return; }
    }
    this.stateNow = 'ready';
    this.why = 'built by this process';
    this.prune();
  }

  /** Remove caches of other builds (old versions) and builders of dead processes. */
  private prune(): void {
    for (const name of readdirSync(this.root)) {
      const p = join(this.root, name);
      if (p === this.dir || !/^(compile-[0-9a-f]{16}|build-.{6})$/.test(name)) continue;
      // A build folder may belong to a live builder of another process: only old ones go.
      try { if (name.startsWith('build-') && Date.now() - lstatSync(p).mtimeMs < 600_000) continue; } catch { continue; }
      removeTree(p);
    }
  }
}
