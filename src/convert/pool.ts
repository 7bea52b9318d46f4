// The warm, single-use worker pool, per family (families.ts). Workers are kept started and ready
// (their family's converter modules imported) inside the jail; each is handed exactly one job
// and then killed; a replacement is spawned as soon as one is taken. How many are kept warm per
// family follows demand (a decaying count of recent jobs, shared out over `size`), with one each
// for the common families from the start. Spawn failures are not hidden: waiting jobs fail with
// the reason (ISOLATION_INSUFFICIENT when the jail refused a required layer).
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { JailHandle, JailSpawnOptions, LayerName, LayerState } from '../isolation/jail/index.js';
import type { Monitor, WatchedProcess } from '../isolation/monitor/index.js';
import type { ConverterInfo } from './catalog.js';
import { ConvertError } from './errors.js';
import { createJobFolder, removeJobFolder, type JobFolder } from './jobdir.js';
import { isReady, type ReadyMessage } from './protocol.js';
import { processStartTime } from './proc.js';
import { COMMON_FAMILIES, FAMILIES, type Family } from './families.js';

/** jail.spawn (or anything with its contract). */
export type JailSpawn = (cmd: string, args: string[], opts: JailSpawnOptions) => JailHandle | Promise<JailHandle>;

/** What the pool uses of the monitor (a Monitor from isolation/monitor satisfies it). */
export type WorkerMonitor = Pick<Monitor, 'watch' | 'attachChild' | 'attachJail' | 'checkNetns' | 'events'>;

/** Native memory a worker may use beyond its JS heap cap (see PoolOptions.rlimitBytes). */
export const NATIVE_HEADROOM_MB = 768;

export const KERNEL_LAYERS: readonly LayerName[] = ['namespace', 'seccomp', 'landlock'];

/**
 * What a family's workers get beyond the default (a family that runs system programs: LibreOffice,
 * pandoc… — see system-tools.ts). Everything else (the jail, the monitor, single use) is the same.
 */
export interface FamilySpawnOptions {
  /** Node's permission model lets the worker start programs (they inherit the jail: namespace, seccomp, Landlock). */
  allowChildProcess?: boolean;
  /** A private tmp/ in the job folder, writable, HOME and TMPDIR of the worker and its programs. */
  privateTmp?: boolean;
  /** The jail's RLIMIT_DATA for this family (per process), bytes. */
  rlimitBytes?: number;
}

export interface PoolOptions {
  size: number;
  spawn: JailSpawn;
  jobsRoot: string;
  /** Worker JavaScript heap cap (--max-old-space-size), MiB. */
  memoryMb: number;
  /**
   * The jail's `memoryBytes` rlimit (RLIMIT_DATA: heap and private writable mappings — memory
   * really used, unlike RLIMIT_AS, which V8's ~10 GiB PROT_NONE WebAssembly reservations would
   * exhaust). Default: the JS heap cap + 768 MiB for native memory (libvips buffers, the OCR
   * engine's wasm memory, ArrayBuffers), which --max-old-space-size does not bound.
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
  /** Folders workers may read besides the job's in/ (the package root with node_modules). */
  readRoots?: string[];
  /** Spawn a replacement when a worker is taken (default true; the one-shot CLI turns it off). */
  replenish?: boolean;
  /** Families kept warm (one each) before any demand. Default COMMON_FAMILIES; the CLI: none. */
  prewarm?: readonly Family[];
  /** Per-family spawn options (system-tool families). */
  familySpawn?: (family: Family) => FamilySpawnOptions | undefined;
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
  /** Last bytes of stderr, to tell an out-of-memory death from a crash. */
  stderrTail(): string;
  /** Tripwire attempts this worker reported over IPC (the monitor records them; we count them for the sandbox run). */
  readonly tripwireAttempts: number;
  /** Set when the monitor terminated this worker; the culprit comes from its notice. */
  terminated: { reason: string; culprit?: string } | null;
  /** Re-register with the monitor under the job id (detach the warm-up registration). */
  bindJob(jobId: string): void;
  /** Kill the tree, wait for exit, remove the job folder unless `keepFolder`. */
  dispose(opts?: { keepFolder?: boolean }): Promise<void>;
  readonly exited: boolean;
}

const here = dirname(fileURLToPath(import.meta.url));

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
}

interface Slot {
  ready: WarmWorker[];
  starting: number;
  waiters: { resolve: (w: WarmWorker) => void; reject: (e: Error) => void }[];
  /** Recent jobs, decaying (×0.9 per job of any family): the share of warm workers it gets. */
  demand: number;
  spawned: number;
  warmTotalMs: number;
}

export class WarmPool {
  readonly events = new EventEmitter();
  private readonly slots = new Map<Family, Slot>(FAMILIES.map((f) => [f, { ready: [], starting: 0, waiters: [], demand: 0, spawned: 0, warmTotalMs: 0 }]));
  private started = false;
  private closed = false;
  private spawned = 0;
  private spawnFailures = 0;
  private consecutiveFailures = 0;
  private lastSpawnError: ConvertError | null = null;
  private warmTotalMs = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private catalogCache: ConverterInfo[] | null = null;
  private catalogWanted = false;
  /** Workers spawned but not yet ready: close() kills them instead of waiting for their warm-up. */
  private readonly warming = new Set<JailHandle>();

  constructor(private readonly opts: PoolOptions) {}

  private slot(f: Family): Slot {
    return this.slots.get(f)!;
  }

  /** Start keeping workers warm (the common families now, the rest as demand shows up). */
  start(): void {
    this.started = true;
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
      this.fill();
    });
  }

  /** The catalog if a worker has reported one already (no waiting). */
  cachedCatalog(): ConverterInfo[] | null {
    return this.catalogCache;
  }

  /**
   * A ready worker of `family` (waits for one); the caller owns it and must dispose() it. A ready
   * 'all' worker (every module imported) is taken when the family has none ready.
   */
  acquire(family: Family = 'all'): Promise<WarmWorker> {
    if (this.closed) return Promise.reject(new ConvertError('SHUTTING_DOWN', 'the converter pool is shutting down'));
    for (const sl of this.slots.values()) sl.demand *= 0.9;
    const slot = this.slot(family);
    slot.demand += 1;
    const w = slot.ready.shift() ?? (family !== 'all' && !this.catalogWanted ? this.slot('all').ready.shift() : undefined);
    if (w) { if (this.opts.replenish !== false) this.fill(); return Promise.resolve(w); }
    if (this.lastSpawnError && slot.starting === 0 && this.consecutiveFailures > 0) {
      // Nothing is coming: say why now rather than leave the job hanging.
      const e = this.lastSpawnError;
      this.fill();
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => { slot.waiters.push({ resolve, reject }); this.fill(); });
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
      families,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const ready: WarmWorker[] = [];
    for (const sl of this.slots.values()) {
      for (const wt of sl.waiters.splice(0)) wt.reject(new ConvertError('SHUTTING_DOWN', 'the converter pool is shutting down'));
      ready.push(...sl.ready.splice(0));
    }
    await Promise.all(ready.map((w) => w.dispose()));
    // Workers still warming up are killed; their start-up then fails and cleans up after itself.
    for (const h of this.warming) h.kill('SIGKILL');
    while ([...this.slots.values()].some((sl) => sl.starting > 0)) await new Promise((r) => setTimeout(r, 20));
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

  private fill(): void {
    if (this.closed || this.retryTimer) return;
    for (const family of FAMILIES) {
      const sl = this.slot(family);
      while (sl.ready.length + sl.starting < this.target(family) + sl.waiters.length) this.spawnInto(family);
    }
  }

  private spawnInto(family: Family): void {
    const sl = this.slot(family);
    sl.starting++;
    void this.spawnOne(family).then(
      (w) => {
        sl.starting--;
        this.consecutiveFailures = 0;
        this.lastSpawnError = null;
        if (this.closed) { void w.dispose(); return; }
        const waiter = sl.waiters.shift();
        if (waiter) { waiter.resolve(w); if (this.opts.replenish !== false) this.fill(); } else sl.ready.push(w);
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

  private async spawnOne(family: Family): Promise<WarmWorker> {
    const o = this.opts;
    const spawnedAt = Date.now();
    const extraEnv = o.workerEnv ? await o.workerEnv(family) : {};
    const fam = o.familySpawn?.(family) ?? {};
    const folder = createJobFolder(o.jobsRoot, { tmp: fam.privateTmp === true });
    const script = o.workerScript ?? join(here, 'worker.js');
    const env: Record<string, string> = { ...extraEnv, HERMETIC_WORKER: '1', HERMETIC_WORKER_FAMILY: family };
    if (o.convertersDir) env.HERMETIC_CONVERTERS_DIR = o.convertersDir;
    const writable = [folder.outDir, ...(folder.tmpDir ? [folder.tmpDir] : [])];
    if (folder.tmpDir) Object.assign(env, { HOME: folder.tmpDir, TMPDIR: folder.tmpDir, HERMETIC_WORKER_TMP: folder.tmpDir });
    // out/ is readable too: rename() and lstat() of its own result need it.
    const readRoots = [...(o.readRoots ?? []), folder.inDir, ...writable, ...(o.convertersDir ? [o.convertersDir] : [])];
    let handle: JailHandle;
    try {
      handle = await o.spawn(o.nodePath ?? process.execPath, [`--max-old-space-size=${o.memoryMb}`, script], {
        cwd: folder.root,
        env,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        allowWrite: writable,
        require: o.require ?? [],
        memoryBytes: fam.rlimitBytes ?? o.rlimitBytes ?? (o.memoryMb + NATIVE_HEADROOM_MB) * 1024 * 1024,
        tripwire: o.tripwire ?? true,
        nodePermission: { allowFsRead: readRoots, allowFsWrite: writable, allowChildProcess: fam.allowChildProcess === true, allowWorker: true, allowAddons: true },
      });
    } catch (e) {
      removeJobFolder(folder);
      const code = (e as { code?: string }).code;
      if (code === 'JAIL_LAYER_UNAVAILABLE' || code === 'JAIL_HELPER_MISSING') throw new ConvertError('ISOLATION_INSUFFICIENT', `the jail cannot apply a required layer: ${(e as Error).message}`);
      throw e;
    }
    const kernel = handle.layers.filter((l) => l.inForce && KERNEL_LAYERS.includes(l.name));
    if ((o.minKernelLayers ?? 0) > kernel.length) {
      handle.kill('SIGKILL');
      await handle.exited.catch(() => undefined);
      removeJobFolder(folder);
      throw new ConvertError('ISOLATION_INSUFFICIENT', `no kernel isolation layer is in force for converter workers (${handle.layers.map((l) => `${l.name}: ${l.reason}`).join('; ')})`);
    }
    this.warming.add(handle);
    if (this.closed) handle.kill('SIGKILL');
    try {
      return await this.awaitReady(family, handle, folder, spawnedAt);
    } finally {
      this.warming.delete(handle);
    }
  }

  private awaitReady(family: Family, handle: JailHandle, folder: JobFolder, spawnedAt: number): Promise<WarmWorker> {
    const o = this.opts;
    let tail = '';
    handle.child.stderr?.on('data', (b: Buffer) => { tail = (tail + b.toString('utf8')).slice(-4096); });
    handle.child.stdout?.resume(); // a worker has nothing to say on stdout; do not let it block
    let exited = false;
    let tripwireAttempts = 0;
    handle.child.on('message', (m: unknown) => { if ((m as { hermetic?: unknown } | null)?.hermetic === 'attempt') tripwireAttempts++; });
    void handle.exited.then(() => { exited = true; }, () => { exited = true; });
    const startTime = handle.startTime || processStartTime(handle.pid);
    let detach: (() => void)[] = [];
    const worker: WarmWorker = {
      family, handle, folder, pid: handle.pid, startTime, catalog: [], layers: handle.layers, spawnedAt, readyAt: 0,
      stderrTail: () => tail,
      terminated: null,
      get exited() { return exited; },
      get tripwireAttempts() { return tripwireAttempts; },
      bindJob: (jobId: string) => { for (const d of detach.splice(0)) d(); attach(jobId); },
      dispose: async (opts = {}) => {
        for (const d of detach.splice(0)) d();
        if (!exited) handle.kill('SIGKILL');
        await handle.exited.catch(() => undefined);
        if (!opts.keepFolder) removeJobFolder(folder);
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
      const timer = setTimeout(() => fail(new ConvertError('WORKER_CRASHED', `a converter worker did not become ready within ${o.readyTimeoutMs ?? 30_000} ms`)), o.readyTimeoutMs ?? 30_000);
      const onMessage = (m: unknown): void => {
        if (!isReady(m)) return;
        cleanup();
        const r = m as ReadyMessage;
        worker.catalog = r.converters;
        worker.readyAt = Date.now();
        this.spawned++;
        this.warmTotalMs += worker.readyAt - spawnedAt;
        const sl = this.slot(family);
        sl.spawned++;
        sl.warmTotalMs += worker.readyAt - spawnedAt;
        // Only an 'all' worker knows every converter (the others imported one family).
        if (family === 'all' && !this.catalogCache) { this.catalogCache = r.converters; this.catalogWanted = false; this.events.emit('catalog', r.converters); }
        if (r.pluginErrors.length) this.events.emit('pluginErrors', r.pluginErrors);
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
