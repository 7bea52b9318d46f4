// The warm worker pool, per family (families.ts). Workers are kept started and ready (their
// family's converter modules imported) inside the jail. A worker is handed to exactly ONE job
// (which may run several files through it) and killed when that job no longer needs it. How
// many are kept warm per family follows demand (a decaying count of recent jobs, shared out over
// `size`), with one each for the common families from the start.
//
// Replacements must not compete with the job being served: a spawn to refill the warm stock
// waits until a core is free of conversions (or at most `deferMaxMs`); only a spawn a job is
// waiting for starts at once. The compile-cache builder runs at the lowest CPU priority.
// Spawn failures are not hidden: waiting jobs fail with the reason
// (ISOLATION_INSUFFICIENT when the jail refused a required layer).
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { cpus, setPriority } from 'node:os';
import { probe, type JailHandle, type JailSpawnOptions, type LayerName, type LayerState } from '../isolation/jail/index.js';
import type { Monitor, WatchedProcess } from '../isolation/monitor/index.js';
import type { ConverterInfo } from './catalog.js';
import { ConvertError } from './errors.js';
import { createJobFolder, removeJobFolder, type JobFolder } from './jobdir.js';
import { isReady, type ReadyMessage, type StartupTiming } from './protocol.js';
import { processStartTime } from './proc.js';
import { COMMON_FAMILIES, FAMILIES, isBuiltinFamily, type Family } from './families.js';
import { spawnOptionsFor } from './spawn-options.js';
import { nodeBaselineBytes } from './node-baseline.js';
import { BUILD_TIMEOUT_MS, CompileCache } from './compile-cache.js';
import { MODULES_WORKER } from './worker-script.js';
import { shippedBundle, type BundleState } from '../bundles.js';

/** jail.spawn (or anything with its contract). */
export type JailSpawn = (cmd: string, args: string[], opts: JailSpawnOptions) => JailHandle | Promise<JailHandle>;

/** What the pool uses of the monitor (a Monitor from isolation/monitor satisfies it). */
export type WorkerMonitor = Pick<Monitor, 'watch' | 'attachChild' | 'attachJail' | 'checkNetns' | 'events'>;

/** Native memory a worker may use beyond its JS heap cap (see PoolOptions.rlimitBytes). */
export const NATIVE_HEADROOM_MB = 768;

export const KERNEL_LAYERS: readonly LayerName[] = ['namespace', 'seccomp', 'landlock'];

export interface PoolOptions {
  size: number;
  spawn: JailSpawn;
  jobsRoot: string;
  /** Worker JavaScript heap cap (--max-old-space-size), MiB. */
  memoryMb: number;
  /**
   * The jail's `memoryBytes` rlimit (RLIMIT_DATA: heap and private writable mappings — memory
   * really used, unlike RLIMIT_AS, which V8's ~10 GiB PROT_NONE WebAssembly reservations would
   * exhaust). Default: what a bare Node holds there (node-baseline.ts) + the JS heap cap +
   * 768 MiB for native memory (libvips buffers, the OCR engine's wasm memory, ArrayBuffers),
   * which --max-old-space-size does not bound.
   */
  rlimitBytes?: number;
  /** Folder of user converter plugins, readable by workers. */
  convertersDir?: string | undefined;
  /** Layers the jail must apply (spawn fails otherwise). */
  require?: LayerName[];
  /** strict/paranoid: at least this many kernel layers in force, or the worker is refused. */
  minKernelLayers?: number;
  /** Tripwire inside workers (always true in production; tests of the kernel layers alone turn it off). */
  tripwire?: boolean;
  monitor?: WorkerMonitor | undefined;
  /** SIGTERM → SIGKILL grace when the monitor terminates a worker. */
  killGraceMs?: number;
  readyTimeoutMs?: number;
  nodePath?: string;
  workerScript?: string;
  /** Built-in families run the bundled worker when it is built and current (default true; src/bundles.ts). */
  bundle?: boolean;
  /** Folders workers may read besides their in/ (the package root with node_modules). */
  readRoots?: string[];
  /** Spawn a replacement when a worker is taken (default true; the one-shot CLI turns it off). */
  replenish?: boolean;
  /** Families kept warm (one each) before any demand. Default COMMON_FAMILIES; the CLI: none. */
  prewarm?: readonly Family[];
  /** Are conversions using the cores now? Refills wait while they are (see deferMaxMs). */
  busy?: () => boolean;
  /** Longest a refill waits for a free core, ms (default 5000: a short job is never competed with). */
  deferMaxMs?: number;
  /** The data dir: the compile cache lives in <dataDir>/cache. None: no compile cache. */
  dataDir?: string;
  /** Use Node's compile cache (default true where it is safe; see compile-cache.ts). */
  compileCache?: boolean;
  /** Build the compile cache when it is missing (the server: yes; the one-shot CLI: no). */
  buildCompileCache?: boolean;
  /** libvips threads per worker (default: the cores shared out over `size`). */
  threadsPerWorker?: number;
  /** Extra environment for a family's workers, awaited before each spawn (the system tools detected at start-up). */
  workerEnv?: (family: Family) => Record<string, string> | Promise<Record<string, string>>;
}

export interface WarmWorker {
  family: Family;
  handle: JailHandle;
  folder: JobFolder;
  pid: number;
  startTime: number;
  catalog: ConverterInfo[];
  layers: LayerState[];
  spawnedAt: number;
  readyAt: number;
  /** Where its start-up CPU went, as the worker measured it. */
  timing: StartupTiming | null;
  /** The compile cache it was given (null: none). */
  compileCache: string | null;
  /** The memory rlimit it runs under, bytes. */
  rlimitBytes: number;
  /** The job it belongs to (set once, by bindJob). */
  readonly job: string | null;
  /** Last bytes of stderr, to tell an out-of-memory death from a crash. */
  stderrTail(): string;
  /** Tripwire attempts this worker reported over IPC (the monitor records them; we count them for the sandbox run). */
  readonly tripwireAttempts: number;
  /** Set when the monitor terminated this worker; the culprit comes from its notice. */
  terminated: { reason: string; culprit?: string } | null;
  /** Give the worker to a job, for good: re-registers it with the monitor under the job id. */
  bindJob(jobId: string): void;
  /** Kill the tree and remove its folder; resolves when it has exited. */
  dispose(): Promise<void>;
  readonly exited: boolean;
}

export interface PoolStats {
  size: number;
  ready: number;
  starting: number;
  spawned: number;
  spawnFailures: number;
  lastSpawnError: string | null;
  averageWarmMs: number | null;
  /** Per family: ready, starting, spawned so far, their average warm-up. */
  families: Partial<Record<Family, { ready: number; starting: number; spawned: number; averageWarmMs: number | null; demand: number }>>;
  /** Node's compile cache for workers: ready, absent, building or off, and why. */
  compileCache: { state: string; reason: string };
  /** Refill spawns held back while a conversion ran. */
  deferredSpawns: number;
  /** The compile-cache builder's process, alive now: 0 or 1 (a worker process that never serves a job). */
  building: number;
  /** What built-in families' workers run: the bundle, or the modules one by one (and why). */
  workerScript: { kind: 'bundle' | 'modules'; reason: string };
}

interface Slot {
  ready: WarmWorker[];
  starting: number;
  waiters: { resolve: (w: WarmWorker) => void; reject: (e: Error) => void }[];
  /** Recent jobs, decaying (×0.9 per job of any family): the share of warm workers it gets. */
  demand: number;
  /** Recent from:to pairs of this family, decaying (×0.9 per job of the family): what new workers preload. */
  pairs: Map<string, number>;
  spawned: number;
  warmTotalMs: number;
}

type SpawnMode = { kind: 'worker'; family: Family } | { kind: 'build-cache'; dir: string };

export class WarmPool {
  readonly events = new EventEmitter();
  private readonly slots = new Map<Family, Slot>(FAMILIES.map((f) => [f, { ready: [], starting: 0, waiters: [], demand: 0, pairs: new Map(), spawned: 0, warmTotalMs: 0 }]));
  private started = false;
  private closed = false;
  private spawned = 0;
  private spawnFailures = 0;
  private consecutiveFailures = 0;
  private lastSpawnError: ConvertError | null = null;
  private warmTotalMs = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private deferTimer: NodeJS.Timeout | null = null;
  private deferredSpawns = 0;
  private catalogCache: ConverterInfo[] | null = null;
  private catalogWanted = false;
  /** Workers spawned but not yet ready: close() kills them instead of waiting for their warm-up. */
  private readonly warming = new Set<JailHandle>();
  private readonly cache: CompileCache;
  private building = false;
  private readonly script: string;
  /** The bundled worker for built-in families (src/bundles.ts), or why there is none. */
  private readonly bundle: BundleState;
  private readonly nodePath: string;

  constructor(private readonly opts: PoolOptions) {
    this.script = opts.workerScript ?? MODULES_WORKER;
    // A pool given its own script (a test, the bench's "before") runs that script for every family.
    this.bundle = opts.workerScript ? { unavailable: 'a worker script was given' } : opts.bundle === false ? { unavailable: 'turned off' } : shippedBundle('worker');
    this.nodePath = opts.nodePath ?? process.execPath;
    // Only where Landlock can keep it read-only for workers (checked again for each worker).
    const landlock = probe().layers.landlock;
    const off = opts.compileCache === false || opts.tripwire === false ? 'turned off' : !opts.dataDir ? 'no data dir' : !landlock.available ? `Landlock is not available (${landlock.reason}): the cache would be writable by workers` : null;
    // The builder rehearses every built-in family in the script they run: the bundle, if any.
    this.cache = new CompileCache(opts.dataDir ?? '', this.nodePath, this.builtinScript(), off === null, off ?? '');
    void nodeBaselineBytes(this.nodePath, [`--max-old-space-size=${opts.memoryMb}`]);
  }

  /** The script built-in families' workers (and the compile-cache builder) run: the bundle, if current. */
  private builtinScript(): string {
    return 'script' in this.bundle ? this.bundle.script : this.script;
  }

  /** The script a worker of `family` runs. */
  private scriptFor(family: Family): string {
    return isBuiltinFamily(family) ? this.builtinScript() : this.script;
  }

  private slot(f: Family): Slot {
    return this.slots.get(f)!;
  }

  /** Start keeping workers warm (the common families now, the rest as demand shows up). */
  start(): void {
    this.started = true;
    this.fill();
  }

  /** The service went idle: spawns that were held back may start now. */
  idle(): void {
    this.fill();
  }

  /** The full converter catalog, from an 'all' worker (the first one is spawned for it). */
  async catalog(): Promise<ConverterInfo[]> {
    if (this.catalogCache) return this.catalogCache;
    return new Promise((resolve, reject) => {
      const onReady = (c: ConverterInfo[]): void => { cleanup(); resolve(c); };
      const onFail = (e: Error): void => { if (!this.slot('all').starting && !this.slot('all').ready.length) { cleanup(); reject(e); } };
      const cleanup = (): void => { this.events.off('catalog', onReady); this.events.off('spawnFailed', onFail); };
      this.events.on('catalog', onReady);
      this.events.on('spawnFailed', onFail);
      this.catalogWanted = true;
      this.fill(true);
    });
  }

  /** The catalog if a worker has reported one already (no waiting). */
  cachedCatalog(): ConverterInfo[] | null {
    return this.catalogCache;
  }

  /**
   * A ready worker of `family` (waits for one); the caller owns it, binds it to its job and must
   * dispose() it. A ready 'all' worker (every module imported) is taken when the family has none.
   * `pair` ("md:html"): what the job converts — workers spawned later preload what recent jobs needed.
   */
  acquire(family: Family = 'all', pair?: string): Promise<WarmWorker> {
    if (this.closed) return Promise.reject(new ConvertError('SHUTTING_DOWN', 'the converter pool is shutting down'));
    for (const sl of this.slots.values()) sl.demand *= 0.9;
    const slot = this.slot(family);
    slot.demand += 1;
    if (pair) {
      for (const [k, v] of slot.pairs) { if (v * 0.9 < 0.05) slot.pairs.delete(k); else slot.pairs.set(k, v * 0.9); }
      slot.pairs.set(pair, (slot.pairs.get(pair) ?? 0) + 1);
    }
    const w = slot.ready.shift() ?? (family !== 'all' && !this.catalogWanted ? this.slot('all').ready.shift() : undefined);
    if (w) { this.fill(); return Promise.resolve(w); }
    if (this.lastSpawnError && slot.starting === 0 && this.consecutiveFailures > 0) {
      // Nothing is coming: say why now rather than leave the job hanging.
      const e = this.lastSpawnError;
      this.fill();
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => { slot.waiters.push({ resolve, reject }); this.fill(true); });
  }

  stats(): PoolStats {
    const families: PoolStats['families'] = {};
    let ready = 0;
    let starting = 0;
    for (const [f, sl] of this.slots) {
      ready += sl.ready.length;
      starting += sl.starting;
      if (sl.spawned || sl.ready.length || sl.starting) {
        families[f] = { ready: sl.ready.length, starting: sl.starting, spawned: sl.spawned, averageWarmMs: sl.spawned ? Math.round(sl.warmTotalMs / sl.spawned) : null, demand: Math.round(sl.demand * 100) / 100 };
      }
    }
    return {
      size: this.opts.size, ready, starting, spawned: this.spawned,
      spawnFailures: this.spawnFailures, lastSpawnError: this.lastSpawnError?.message ?? null,
      averageWarmMs: this.spawned ? Math.round(this.warmTotalMs / this.spawned) : null,
      families, compileCache: { state: this.cache.state, reason: this.cache.reason }, deferredSpawns: this.deferredSpawns,
      building: this.building ? 1 : 0,
      workerScript: 'script' in this.bundle ? { kind: 'bundle', reason: 'built and current' } : { kind: 'modules', reason: this.bundle.unavailable },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.deferTimer) clearTimeout(this.deferTimer);
    const ready: WarmWorker[] = [];
    for (const sl of this.slots.values()) {
      for (const wt of sl.waiters.splice(0)) wt.reject(new ConvertError('SHUTTING_DOWN', 'the converter pool is shutting down'));
      ready.push(...sl.ready.splice(0));
    }
    await Promise.all(ready.map((w) => w.dispose()));
    // Workers still warming up are killed; their start-up then fails and cleans up after itself.
    for (const h of this.warming) h.kill('SIGKILL');
    while (this.building || [...this.slots.values()].some((sl) => sl.starting > 0)) await new Promise((r) => setTimeout(r, 20));
  }

  /** How many ready workers `family` should have now. */
  private target(family: Family): number {
    if (family === 'all') return this.catalogWanted && !this.catalogCache ? 1 : 0;
    if (!this.started || this.opts.replenish === false) return 0;
    const base = (this.opts.prewarm ?? COMMON_FAMILIES).includes(family) ? 1 : 0;
    let total = 0;
    for (const [f, sl] of this.slots) if (f !== 'all') total += sl.demand;
    const share = total > 0 ? Math.round((this.opts.size * this.slot(family).demand) / total) : 0;
    return Math.max(base, Math.min(this.opts.size, share));
  }

  /**
   * Spawn what is missing: at once for jobs waiting (and the catalog), and for the warm stock
   * only while no conversion runs (a refill must not take CPU from the job being served) — or
   * once it has waited deferMaxMs.
   */
  private fill(urgent = false): void {
    if (this.closed || this.retryTimer) return;
    const quiet = urgent || !this.opts.busy?.();
    let held = false;
    for (const family of FAMILIES) {
      const sl = this.slot(family);
      while (sl.ready.length + sl.starting < sl.waiters.length) this.spawnInto(family);
      const want = this.target(family) + sl.waiters.length;
      if (sl.ready.length + sl.starting >= want) continue;
      if (!quiet && family !== 'all') { held = true; continue; }
      while (sl.ready.length + sl.starting < want) this.spawnInto(family);
    }
    if (held && !this.deferTimer) {
      this.deferredSpawns++;
      this.deferTimer = setTimeout(() => { this.deferTimer = null; this.fill(true); }, this.opts.deferMaxMs ?? 5000);
      this.deferTimer.unref();
    }
    if (quiet && this.started && this.opts.buildCompileCache !== false) this.maybeBuildCache();
  }

  private spawnInto(family: Family): void {
    const sl = this.slot(family);
    sl.starting++;
    void this.spawnOne({ kind: 'worker', family }).then(
      (w) => {
        sl.starting--;
        this.consecutiveFailures = 0;
        this.lastSpawnError = null;
        if (this.closed) { void w.dispose(); return; }
        const waiter = sl.waiters.shift();
        if (waiter) { waiter.resolve(w); this.fill(); } else sl.ready.push(w);
      },
      (e: unknown) => {
        sl.starting--;
        this.spawnFailures++;
        this.consecutiveFailures++;
        const err = e instanceof ConvertError ? e : new ConvertError('WORKER_CRASHED', `a converter worker could not be started: ${(e as Error).message}`);
        this.lastSpawnError = err;
        this.events.emit('spawnFailed', err);
        if (sl.starting === 0) for (const wt of sl.waiters.splice(0)) wt.reject(err);
        if (this.closed) return;
        // Back off so a broken setup does not spin: 0.5 s, 1 s, 2 s … 30 s.
        const delay = Math.min(30_000, 500 * 2 ** Math.min(6, this.consecutiveFailures - 1));
        this.retryTimer = setTimeout(() => { this.retryTimer = null; this.fill(); }, delay);
        this.retryTimer.unref();
      },
    );
  }

  /** The compile cache is missing: build it once, at the lowest CPU priority, while idle. */
  private maybeBuildCache(): void {
    if (this.building || this.closed) return;
    const dir = this.cache.beginBuild();
    if (!dir) return;
    this.building = true;
    void this.spawnOne({ kind: 'build-cache', dir }).then(
      // `building` covers the builder's process until it is gone, not only until its cache is.
      async (w) => { this.cache.endBuild(dir, true); await w.dispose(); },
      (e: unknown) => { this.cache.endBuild(dir, false, `the builder failed: ${(e as Error).message}`); },
    ).finally(() => { this.building = false; });
  }

  /** The pairs recent jobs of `family` converted (at most 4, most frequent first): a new worker preloads their libraries. */
  private recentPairs(family: Family): string[] {
    return [...this.slot(family).pairs].filter(([, w]) => w >= 0.3).sort((a, b) => b[1] - a[1]).slice(0, 4).map(([p]) => p);
  }

  /** Threads for libvips in each worker: the cores shared out over the workers that may run at once. */
  private threads(): number {
    return this.opts.threadsPerWorker ?? Math.max(1, Math.floor(cpus().length / Math.max(1, this.opts.size)));
  }

  private async spawnOne(mode: SpawnMode): Promise<WarmWorker> {
    const o = this.opts;
    const family: Family = mode.kind === 'worker' ? mode.family : 'all';
    const fo = spawnOptionsFor(family);
    const spawnedAt = Date.now();
    const extraEnv = o.workerEnv ? await o.workerEnv(family) : {};
    const folder = createJobFolder(o.jobsRoot);
    const env: Record<string, string> = { ...extraEnv, HERMETIC_WORKER: '1', HERMETIC_WORKER_FAMILY: family, HERMETIC_WORKER_THREADS: String(this.threads()), ...fo.env };
    const pairs = this.recentPairs(family);
    if (pairs.length) env.HERMETIC_WORKER_PAIRS = pairs.join(',');
    if (o.convertersDir) env.HERMETIC_CONVERTERS_DIR = o.convertersDir;
    const writable = [folder.outDir];
    if (fo.scratch) {
      const scratch = join(folder.root, 'scratch');
      mkdirSync(scratch, { mode: 0o700 });
      writable.push(scratch);
      Object.assign(env, { HOME: scratch, TMPDIR: scratch, XDG_CONFIG_HOME: scratch, XDG_CACHE_HOME: scratch, XDG_RUNTIME_DIR: scratch, HERMETIC_WORKER_TMP: scratch });
    }
    // The compile cache: read by workers (a Node write grant, refused by Landlock — see
    // compile-cache.ts), written only by the builder. Plugin workers run the user's code: no cache.
    const cacheDir = mode.kind === 'build-cache' ? mode.dir : family !== 'plugin' ? this.cache.ready() : null;
    const permWrite = [...writable];
    if (cacheDir) { env.NODE_COMPILE_CACHE = cacheDir; permWrite.push(cacheDir); }
    if (mode.kind === 'build-cache') { env.HERMETIC_WORKER_MODE = 'build-cache'; writable.push(mode.dir); }
    // out/ is readable too: rename() and lstat() of its own result need it.
    const readRoots = [...(o.readRoots ?? []), folder.inDir, folder.outDir, ...writable, ...(cacheDir ? [cacheDir] : []), ...(o.convertersDir ? [o.convertersDir] : [])];
    const heapArg = `--max-old-space-size=${o.memoryMb}`;
    const rlimitBytes = o.rlimitBytes ?? (await nodeBaselineBytes(this.nodePath, [heapArg])) + (o.memoryMb + (fo.nativeHeadroomMb ?? NATIVE_HEADROOM_MB)) * 1024 * 1024;
    let handle: JailHandle;
    try {
      handle = await o.spawn(this.nodePath, [heapArg, mode.kind === 'build-cache' ? this.builtinScript() : this.scriptFor(family)], {
        cwd: folder.root,
        env,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        allowWrite: writable,
        require: o.require ?? [],
        memoryBytes: rlimitBytes,
        tripwire: o.tripwire ?? true,
        nodePermission: { allowFsRead: readRoots, allowFsWrite: permWrite, allowChildProcess: fo.allowChildProcess ?? false, allowWorker: fo.allowWorker ?? true, allowAddons: fo.allowAddons ?? true },
      });
    } catch (e) {
      removeJobFolder(folder);
      const code = (e as { code?: string }).code;
      if (code === 'JAIL_LAYER_UNAVAILABLE' || code === 'JAIL_HELPER_MISSING') throw new ConvertError('ISOLATION_INSUFFICIENT', `the jail cannot apply a required layer: ${(e as Error).message}`);
      throw e;
    }
    const refuse = async (msg: string): Promise<never> => {
      handle.kill('SIGKILL');
      await handle.exited.catch(() => undefined);
      removeJobFolder(folder);
      throw new ConvertError('ISOLATION_INSUFFICIENT', msg);
    };
    const kernel = handle.layers.filter((l) => l.inForce && KERNEL_LAYERS.includes(l.name));
    if ((o.minKernelLayers ?? 0) > kernel.length) {
      await refuse(`no kernel isolation layer is in force for converter workers (${handle.layers.map((l) => `${l.name}: ${l.reason}`).join('; ')})`);
    }
    const landlock = handle.layers.some((l) => l.name === 'landlock' && l.inForce);
    if (cacheDir && mode.kind === 'worker' && !landlock) {
      // The cache was granted but nothing in the kernel keeps it read-only for this worker: it
      // has run no job yet, so nothing can have been written; stop handing the cache out.
      this.cache.disable('Landlock is not in force for workers: the cache would be writable');
      handle.kill('SIGKILL');
      await handle.exited.catch(() => undefined);
      removeJobFolder(folder);
      return this.spawnOne(mode);
    }
    // The builder never serves a job: let it have only the CPU nobody else wants.
    if (mode.kind === 'build-cache') { try { setPriority(handle.pid, 19); } catch {} }
    this.warming.add(handle);
    if (this.closed) handle.kill('SIGKILL');
    try {
      const readyTimeoutMs = mode.kind === 'build-cache' ? BUILD_TIMEOUT_MS : fo.readyTimeoutMs ?? o.readyTimeoutMs ?? 30_000;
      return await this.awaitReady(mode, handle, folder, spawnedAt, { cacheDir, rlimitBytes, readyTimeoutMs });
    } finally {
      this.warming.delete(handle);
    }
  }

  private awaitReady(mode: SpawnMode, handle: JailHandle, folder: JobFolder, spawnedAt: number, x: { cacheDir: string | null; rlimitBytes: number; readyTimeoutMs: number }): Promise<WarmWorker> {
    const o = this.opts;
    const family: Family = mode.kind === 'worker' ? mode.family : 'all';
    let tail = '';
    handle.child.stderr?.on('data', (b: Buffer) => { tail = (tail + b.toString('utf8')).slice(-4096); });
    handle.child.stdout?.resume(); // a worker has nothing to say on stdout; do not let it block
    let exited = false;
    let tripwireAttempts = 0;
    handle.child.on('message', (m: unknown) => { if ((m as { hermetic?: unknown } | null)?.hermetic === 'attempt') tripwireAttempts++; });
    void handle.exited.then(() => { exited = true; }, () => { exited = true; });
    const startTime = handle.startTime || processStartTime(handle.pid);
    let detach: (() => void)[] = [];
    let job: string | null = null;
    let disposed: Promise<void> | null = null;
    const worker: WarmWorker = {
      family, handle, folder, pid: handle.pid, startTime, catalog: [], layers: handle.layers, spawnedAt, readyAt: 0,
      timing: null, compileCache: x.cacheDir, rlimitBytes: x.rlimitBytes,
      stderrTail: () => tail,
      terminated: null,
      get exited() { return exited; },
      get tripwireAttempts() { return tripwireAttempts; },
      get job() { return job; },
      bindJob: (jobId: string) => {
        // Never a second job: the privacy property rests on this (and on the worker's own lock).
        if (job !== null) throw new Error(`worker ${handle.pid} already belongs to job ${job}`);
        job = jobId;
        for (const d of detach.splice(0)) d();
        attach(jobId);
      },
      dispose: () => {
        disposed ??= (async () => {
          for (const d of detach.splice(0)) d();
          if (!exited) handle.kill('SIGKILL');
          await handle.exited.catch(() => undefined);
          removeJobFolder(folder);
        })();
        return disposed;
      },
    };
    const attach = (jobId?: string): void => {
      const m = o.monitor;
      if (!m) return;
      const watched: WatchedProcess = {
        pid: handle.pid, startTime, role: 'worker', jobId,
        terminate: (reason: string) => {
          worker.terminated ??= { reason };
          handle.kill('SIGTERM');
          const t = setTimeout(() => { if (!exited) handle.kill('SIGKILL'); }, o.killGraceMs ?? 2000);
          t.unref();
        },
      };
      const onTerminated = (n: { pid: number; culprit?: string; reason?: string }): void => {
        if (n.pid !== handle.pid) return;
        worker.terminated = { reason: n.reason ?? worker.terminated?.reason ?? 'terminated by the monitor', culprit: n.culprit };
      };
      m.events.on('terminated', onTerminated);
      detach = [m.watch(watched), m.attachChild(handle.child, jobId), m.attachJail(handle, jobId), () => m.events.off('terminated', onTerminated)];
    };
    attach(); // attempts during warm-up (e.g. a plugin phoning home at import) are watched too
    return new Promise<WarmWorker>((resolve, reject) => {
      const timer = setTimeout(() => fail(new ConvertError('WORKER_CRASHED', `a converter worker did not become ready within ${x.readyTimeoutMs} ms`)), x.readyTimeoutMs);
      const onMessage = (m: unknown): void => {
        if (mode.kind === 'build-cache') {
          if ((m as { hermetic?: unknown } | null)?.hermetic === 'built') { cleanup(); resolve(worker); }
          return;
        }
        if (!isReady(m)) return;
        cleanup();
        const r = m as ReadyMessage;
        worker.catalog = r.converters;
        worker.timing = r.timing ?? null;
        worker.readyAt = Date.now();
        this.spawned++;
        this.warmTotalMs += worker.readyAt - spawnedAt;
        const sl = this.slot(family);
        sl.spawned++;
        sl.warmTotalMs += worker.readyAt - spawnedAt;
        // Only an 'all' worker knows every converter (the others imported one family).
        if (family === 'all' && !this.catalogCache && r.converters.length) { this.catalogCache = r.converters; this.catalogWanted = false; this.events.emit('catalog', r.converters); }
        if (r.pluginErrors.length) this.events.emit('pluginErrors', r.pluginErrors);
        this.events.emit('ready', worker);
        // A warm worker that dies before it gets a job is replaced.
        void handle.exited.then(() => {
          const i = sl.ready.indexOf(worker);
          if (i >= 0) { sl.ready.splice(i, 1); void worker.dispose(); this.fill(); }
        });
        resolve(worker);
      };
      const onExit = (): void => fail(new ConvertError('WORKER_CRASHED', `a converter worker exited during start-up: ${tail.trim().split('\n').slice(-3).join(' | ') || 'no message'}`));
      const fail = (e: ConvertError): void => { cleanup(); void worker.dispose().finally(() => reject(e)); };
      const cleanup = (): void => { clearTimeout(timer); handle.child.off('message', onMessage); handle.child.off('exit', onExit); };
      handle.child.on('message', onMessage);
      handle.child.on('exit', onExit);
    });
  }
}
