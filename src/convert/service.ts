// The conversion service: accepts jobs (one trust domain each: a CLI invocation, an API request
// with all its files, an async job), queues them (bounded), runs their files in warm jailed
// workers — one worker per family per lane, reused for the job's next file and killed when the
// job is done with it, never given to another job — enforces the timeout and output cap,
// records job and sandbox-run rows, keeps results until they are downloaded or expire. The
// server and the CLI both use this; neither ever runs converter code in its own process.
//
// Scheduling: `poolSize` lanes (worker slots) in all. A job starts with one lane as soon as one
// is free (FIFO); a job with more files gets more lanes while slots are free, and gives its extra
// lanes back, file by file, when another job is waiting.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { EventEmitter } from 'node:events';
import type { EventStore } from '../events/index.js';
import type { Config } from '../config/index.js';
import type { LayerName } from '../isolation/jail/index.js';
import { ConvertError } from './errors.js';
import { toFormatId, formatOfName, type FormatId } from './formats.js';
import { familyFor, systemToolFor, type Family } from './families.js';
import { supports, unavailableReason, type ConverterInfo } from './catalog.js';
import { encodeTools, pairAvailability, systemTools, SYSTEM_TOOLS_ENV, toolSpec, type SystemToolsReport } from './system-tools.js';
import { safeFileName } from './guards/names.js';
import { LIMITS } from './limits.js';
import { BoundedQueue } from './queue.js';
import { WarmPool, type JailSpawn, type WorkerMonitor, type WarmWorker, type PoolStats } from './pool.js';
import { jobsRoot, sweepJobsRoot, createRunRoot, removeRunRoot, createJobDir, removeJobDir, type InputSource } from './jobdir.js';
import { packageRoot } from '../version.js';
import { Records } from './records.js';
import { ByteBudget, Spool } from './spool.js';
import { runLane, type LaneHost } from './lane.js';
import { fileAsJob, finalStatus, snapshot, summarize, type FileTask, type Job, type JobView } from './job.js';
import { rmSync, writeFileSync } from 'node:fs';

export type { JobView, FileView, ProcessId } from './job.js';

/** Decision from the verify module: may conversions run at the current strictness? */
export type CanConvert = () => { ok: boolean; code?: string; message?: string };

export interface ConvertServiceOptions {
  config: Pick<Config, 'dataDir' | 'strictness' | 'jobTimeoutMs' | 'workerMemoryMb' | 'poolSize' | 'logFileNames' | 'convertersDir' | 'killGraceMs' | 'resultTtlMs'>;
  /** jail.spawn from src/isolation/jail. */
  spawn: JailSpawn;
  store?: Pick<EventStore, 'jobs' | 'sandboxRuns'> | undefined;
  monitor?: WorkerMonitor | undefined;
  canConvert?: CanConvert | undefined;
  /** Jobs waiting for a lane beyond those running. Default 16. */
  maxQueued?: number;
  /**
   * Bytes of uploads in flight and of unfinished jobs' inputs held on disk, server-wide.
   * Default 1 GiB. (`maxQueuedBytes` is the former name.)
   */
  maxInFlightBytes?: number;
  maxQueuedBytes?: number;
  maxOutputBytes?: number;
  /** Layers every worker must have (passed to the jail). */
  requireLayers?: LayerName[];
  /** Tripwire in workers (default true). Only tests of the kernel layers alone turn it off. */
  tripwire?: boolean;
  /** Override the pool size (the number of lanes: workers converting at once). */
  poolSize?: number;
  readyTimeoutMs?: number;
  /** Node binary for workers (default: the one running the server). */
  nodePath?: string;
  /** Keep the pool full after each job (default true; the one-shot CLI: false). */
  replenish?: boolean;
  /** The jail's memory rlimit for workers (default: see PoolOptions.rlimitBytes). */
  rlimitBytes?: number;
  /** Families kept warm before any demand (default: the common ones; the CLI: none). */
  prewarm?: readonly Family[];
  /** Node's compile cache for workers (default true; see compile-cache.ts). */
  compileCache?: boolean;
  /** Build the compile cache when missing (default true; the one-shot CLI: false). */
  buildCompileCache?: boolean;
  /** PATH searched for system tools (LibreOffice, pandoc…; default this process's). Tests simulate a missing tool with it. */
  toolsPath?: string;
  /**
   * When the system tools are detected: 'start' (default: the server, so the converter list is
   * ready) or 'lazy' (the one-shot CLI: only when a job or the catalog needs them).
   */
  detectTools?: 'start' | 'lazy';
  /**
   * A background task failed (today: starting a warm worker for the pool). The service carries
   * on (it retries with back-off); the caller records it where the user can see it.
   */
  onFault?: (task: 'pool.replenish', error: Error) => void;
}

/** One conversion (the former single-file API; `more` makes it a combining job). */
export interface ConvertRequest {
  data: Buffer;
  to: string;
  from?: string | null;
  /** The user's file name: an extension hint and the suggested download name. */
  name?: string | null;
  converter?: string | null;
  options?: Record<string, unknown>;
  /** Further inputs for a combining converter (PDF merge, images → one PDF), in order. */
  more?: { data: Buffer; name?: string | null; from?: string | null }[];
}

/** One input of a job: bytes, a file of the user's (CLI; copied when its turn comes), or a spooled upload. */
export type JobInput = ({ data: Buffer } | { path: string; bytes: number } | { spooled: string; bytes: number }) & { name?: string | null; from?: string | null };

/** A job: every file converted the same way, in one trust domain. */
export interface JobRequest {
  to: string;
  from?: string | null;
  converter?: string | null;
  options?: Record<string, unknown>;
  files: JobInput[];
  /** All files are the inputs of ONE conversion (PDF merge, images → one PDF). */
  combine?: boolean;
  /** The request's uploads (spooled by the route): their folder becomes the job's. */
  spool?: Spool;
  /**
   * The caller hands the job id to a client before the job ends (an async request's 202): the
   * job's row is written before submitJob returns, so a crash right after cannot lose a job the
   * client was told about. Other rows stay deferred (records.ts).
   */
  acknowledged?: boolean;
}

export interface ServiceStats {
  pool: PoolStats;
  /** Jobs waiting for a lane. */
  queued: number;
  /** Jobs with a lane. */
  running: number;
  /** Lanes in use / in all. */
  lanes: { busy: number; size: number };
  /** Files being converted now. */
  converting: number;
  outcomes: Record<string, number>;
  uploads: { inFlightBytes: number; budgetBytes: number };
}

const KEEP_FINISHED_JOBS = 500;

export class ConvertService implements LaneHost {
  private readonly pool: WarmPool;
  private readonly queue: BoundedQueue<Job>;
  private readonly jobs = new Map<string, Job>();
  /** File id → its job (for files of a batch addressed on their own). */
  private readonly fileIndex = new Map<string, { job: Job; file: FileTask }>();
  private readonly runningJobs: Job[] = [];
  private lanesBusy = 0;
  private convertingNow = 0;
  private readonly outcomes: Record<string, number> = {};
  private readonly root: string;
  private readonly poolSize: number;
  /** Cores conversions may fill before refills of the warm stock wait (one is left for them on 2 or more; os.cpus() reads /proc each call, so once). */
  private readonly conversionCores = Math.max(1, cpus().length - 1);
  private readonly budget: ByteBudget;
  private avgRunMs = 2000;
  private closingNow = false;
  /** Workers bound to a job, until they have exited. */
  private readonly active = new Set<WarmWorker>();
  /** File → the worker converting it now (cancel kills it). */
  private readonly converting = new Map<FileTask, WarmWorker>();
  /** Lanes running now (close() waits for them). */
  private readonly lanes = new Set<Promise<void>>();
  private readonly updates = new EventEmitter();
  readonly records: Records;
  readonly monitor: WorkerMonitor | undefined;
  readonly jobTimeoutMs: number;
  readonly workerMemoryMb: number;
  readonly maxOutputBytes: number;
  readonly resultTtlMs: number;
  readonly strict: boolean;
  /** System tools, detected once (each asked for its version under the jail); see detectTools. */
  private toolsPromise: Promise<SystemToolsReport> | null = null;
  private toolsKnown: SystemToolsReport | null = null;

  constructor(private readonly o: ConvertServiceOptions) {
    const jobsDir = jobsRoot(o.config.dataDir);
    sweepJobsRoot(jobsDir);
    this.root = createRunRoot(jobsDir);
    this.poolSize = o.poolSize ?? (o.config.poolSize || Math.max(1, cpus().length));
    this.strict = o.config.strictness !== 'standard';
    this.records = new Records(o.store);
    this.monitor = o.monitor;
    this.jobTimeoutMs = o.config.jobTimeoutMs;
    this.workerMemoryMb = o.config.workerMemoryMb;
    this.maxOutputBytes = o.maxOutputBytes ?? LIMITS.maxOutputBytes;
    this.resultTtlMs = o.config.resultTtlMs;
    this.budget = new ByteBudget(o.maxInFlightBytes ?? o.maxQueuedBytes ?? 1024 * 1024 * 1024);
    this.updates.setMaxListeners(0);
    if (o.detectTools !== 'lazy') void this.tools;
    this.pool = new WarmPool({
      size: this.poolSize,
      spawn: o.spawn,
      jobsRoot: this.root,
      memoryMb: o.config.workerMemoryMb,
      convertersDir: o.config.convertersDir ?? join(o.config.dataDir, 'converters'),
      require: o.requireLayers ?? [],
      minKernelLayers: this.strict ? 1 : 0,
      tripwire: o.tripwire ?? true,
      monitor: o.monitor,
      killGraceMs: o.config.killGraceMs,
      readyTimeoutMs: o.readyTimeoutMs ?? 30_000,
      readRoots: [packageRoot],
      replenish: o.replenish ?? true,
      // Refills wait while conversions hold every core but one (that one is the server's):
      // on 2 CPUs, while any job is being served (see PoolOptions.busy).
      busy: () => this.lanesBusy >= this.conversionCores,
      dataDir: o.config.dataDir,
      ...(o.compileCache === false ? { compileCache: false } : {}),
      ...(o.buildCompileCache === false ? { buildCompileCache: false } : {}),
      ...(o.nodePath ? { nodePath: o.nodePath } : {}),
      ...(o.rlimitBytes ? { rlimitBytes: o.rlimitBytes } : {}),
      ...(o.prewarm ? { prewarm: o.prewarm } : {}),
      // Only the workers that run or list system converters wait for detection; an image or
      // data worker starts at once.
      workerEnv: async (f): Promise<Record<string, string>> => (f === 'office' || f === 'system' || f === 'all' ? { [SYSTEM_TOOLS_ENV]: encodeTools(await this.tools) } : {}),
    });
    this.queue = new BoundedQueue<Job>(o.maxQueued ?? 16);
    this.pool.events.on('spawnFailed', (e: Error) => {
      try { o.onFault?.('pool.replenish', e); } catch { /* reporting must not break the pool */ }
    });
  }

  get closing(): boolean { return this.closingNow; }

  /** The system tools found at start-up (with versions, or why each is unavailable). */
  systemTools(): Promise<SystemToolsReport> {
    return this.tools;
  }

  private get tools(): Promise<SystemToolsReport> {
    if (!this.toolsPromise) {
      this.toolsPromise = systemTools({ spawn: this.o.spawn, ...(this.o.toolsPath !== undefined ? { path: this.o.toolsPath } : {}) });
      void this.toolsPromise.then((r) => { this.toolsKnown = r; });
    }
    return this.toolsPromise;
  }

  private toolAvailable = (id: string): boolean => this.toolsKnown?.tools.find((t) => t.id === id)?.available ?? true;

  /** A system tool known to be missing is UNAVAILABLE now (with the install hint), not after a worker started. */
  private assertToolFor(family: Family, from: FormatId | null, to: FormatId, converter?: string | null): void {
    if ((family !== 'office' && family !== 'system') || !from || !this.toolsKnown) return;
    const spec = converter ? toolSpec(converter) : systemToolFor(from, to, this.toolAvailable);
    if (!spec || !spec.pairs.some((p) => p.from === from && p.to === to)) return; // the worker says NO_CONVERTER
    const r = pairAvailability(spec, this.toolsKnown.tools.find((t) => t.id === spec.id), from, to);
    if (!r.ok) throw new ConvertError('UNAVAILABLE', `${from} to ${to} needs ${spec.name}, which is not available here: ${r.reason}`, { converter: spec.id });
  }

  /** Warm the pool. */
  start(): void {
    this.warmUp();
  }

  /**
   * Start the warm workers if conversions are allowed now. In strict/paranoid the verdict comes
   * after the server listens: call this again once verification has run (jobs also start
   * workers on demand, so forgetting it costs only the first job's latency).
   */
  warmUp(): void {
    if (!this.closingNow && this.allowed().ok) this.pool.start();
  }

  catalog(): Promise<ConverterInfo[]> {
    this.assertAllowed();
    return this.pool.catalog();
  }

  stats(): ServiceStats {
    return {
      pool: this.pool.stats(), queued: this.queue.length, running: this.runningJobs.length,
      lanes: { busy: this.lanesBusy, size: this.poolSize }, converting: this.convertingNow, outcomes: { ...this.outcomes },
      uploads: { inFlightBytes: this.budget.inUse, budgetBytes: this.budget.capacity },
    };
  }

  /**
   * Every status or progress change of any job (a file starting or finishing inside a batch
   * included), as a snapshot of the job. Returns the unsubscribe function.
   */
  onJobUpdate(listener: (view: JobView) => void): () => void {
    this.updates.on('update', listener);
    return () => { this.updates.off('update', listener); };
  }

  private changed(job: Job): void {
    summarize(job);
    if (this.updates.listenerCount('update') === 0) return;
    const v = snapshot(job);
    for (const l of this.updates.listeners('update') as ((v: JobView) => void)[]) {
      try { l(v); } catch { /* a listener's bug is not the job's */ }
    }
  }

  private allowed(): { ok: boolean; code?: string; message?: string } {
    return this.o.canConvert ? this.o.canConvert() : { ok: true };
  }

  private assertAllowed(): void {
    const a = this.allowed();
    if (!a.ok) throw new ConvertError('ISOLATION_INSUFFICIENT', a.message ?? 'conversions are refused: the required isolation is not in force', a.code ? { reason: a.code } : {});
  }

  private retryAfter(): number {
    return Math.max(1, Math.min(60, Math.ceil((this.avgRunMs * (this.queue.length + 1)) / this.poolSize / 1000)));
  }

  /**
   * A spool for one request's uploads (the route streams each file part into it); `expectBytes`
   * (the declared request size) is reserved in the upload budget now, or QUEUE_FULL.
   */
  openSpool(limitBytes: number, expectBytes = 0): Spool {
    if (this.closingNow) throw new ConvertError('SHUTTING_DOWN', 'the converter service is shutting down');
    this.assertAllowed();
    return new Spool(this.root, this.budget, limitBytes, () => this.retryAfter(), expectBytes);
  }

  /** One conversion (one file, or a combining job with `more`): validate and enqueue; returns at once. */
  submit(req: ConvertRequest): JobView {
    const more = req.more ?? [];
    return this.submitJob({
      to: req.to, from: req.from ?? null, converter: req.converter ?? null, options: req.options ?? {},
      files: [{ data: req.data, name: req.name ?? null, from: req.from ?? null }, ...more.map((m) => ({ data: m.data, name: m.name ?? null, from: m.from ?? req.from ?? null }))],
      combine: more.length > 0,
    });
  }

  /**
   * Validate and enqueue a job of one or more files; returns at once. Throws ConvertError for a
   * request refused up front (nothing of it is kept then: all or none).
   */
  submitJob(req: JobRequest): JobView {
    try {
      return this.createJob(req);
    } catch (e) {
      req.spool?.discard();
      throw e;
    }
  }

  private createJob(req: JobRequest): JobView {
    if (this.closingNow) throw new ConvertError('SHUTTING_DOWN', 'the converter service is shutting down');
    this.assertAllowed();
    const to = toFormatId(req.to);
    if (!to) throw new ConvertError('UNSUPPORTED_FORMAT', `unknown output format '${req.to}'`);
    if (req.from && !toFormatId(req.from)) throw new ConvertError('UNSUPPORTED_FORMAT', `unknown input format '${req.from}'`);
    if (!req.files.length) throw new ConvertError('INVALID_INPUT', 'no input file');
    const sizes = req.files.map((f) => ('data' in f ? f.data.length : f.bytes));
    if (sizes.some((n) => !n)) throw new ConvertError('INVALID_INPUT', 'the input is empty');
    for (const f of req.files) if (f.from && !toFormatId(f.from)) throw new ConvertError('UNSUPPORTED_FORMAT', `unknown input format '${f.from}'`);
    // Refuse impossible requests before a worker is spent on them (the worker still decides from
    // the real content; this only uses the declared format, when there is one).
    const cat = this.pool.cachedCatalog();
    const declared = (f: JobInput): FormatId | null => toFormatId(f.from ?? req.from ?? null);
    for (const f of req.combine ? req.files.slice(0, 1) : req.files) {
      if (cat && !supports(cat, declared(f), to, req.converter)) {
        const missing = unavailableReason(cat, declared(f), to, req.converter);
        if (missing) throw new ConvertError('UNAVAILABLE', `this conversion needs a program that is not available here: ${missing}`);
        throw new ConvertError('NO_CONVERTER', req.converter ? `converter '${req.converter}' cannot produce ${to}${f.from ?? req.from ? ` from ${f.from ?? req.from}` : ''}` : `no converter turns ${f.from ?? req.from ?? 'this input'} into ${to}`);
      }
    }
    const names = req.files.map((f) => (f.name ? safeFileName(f.name) : null)); // refuses unsafe names up front
    // Each file's route: its declared format, else its name's extension; a system tool known to
    // be missing refuses the request here, before anything is written.
    const routes = req.files.map((f, i) => {
      const from = declared(f) ?? formatOfName(names[i] ?? null);
      const family = familyFor(from, to, req.converter, this.toolAvailable);
      this.assertToolFor(family, from, to, req.converter);
      return { from, family };
    });
    const mustWait = this.lanesBusy >= this.poolSize || this.queue.length > 0;
    if (mustWait) this.queue.assertRoom(this.retryAfter());
    // Inputs given as bytes go to disk now (the job record must not hold them in memory).
    const inputBytes = sizes.reduce((a, b) => a + b, 0);
    let dir: string;
    let charged = 0;
    const handed = req.spool?.handOver();
    if (handed) { dir = handed.dir; charged = handed.charged; } else dir = createJobDir(this.root);
    const sources: InputSource[] = [];
    try {
      const buffered = req.files.reduce((n, f) => n + ('data' in f ? f.data.length : 0), 0);
      if (buffered) { this.budget.take(buffered, this.retryAfter()); charged += buffered; }
      req.files.forEach((f, i) => {
        if ('data' in f) {
          const p = join(dir, `b-${i}`);
          writeFileSync(p, f.data, { mode: 0o600, flag: 'wx' });
          sources.push({ spooled: p });
        } else if ('spooled' in f) sources.push({ spooled: f.spooled });
        else sources.push({ path: f.path });
      });
    } catch (e) {
      this.budget.release(charged);
      removeJobDir(dir);
      throw e;
    }

    const id = randomUUID();
    const queuedAt = new Date().toISOString();
    const fileOf = (i: number, srcs: InputSource[], hints: FileTask['hints'], bytes: number): FileTask => {
      const { from: fromId, family } = routes[i]!;
      return {
        view: {
          id: req.combine || req.files.length === 1 ? id : randomUUID(), index: i, name: names[i] ?? null, status: 'queued', bytes,
          outputBytes: null, converter: null, from: toFormatId(hints[0]?.from ?? null), family,
          startedAt: null, finishedAt: null, durationMs: null, error: null, result: null, info: null, warnings: [], worker: null,
        },
        sources: srcs, hints, resultPath: null, expiry: null, cancelRequested: false, retried: false, pair: `${fromId ?? '?'}:${to}`,
      };
    };
    const hintsOf = (f: JobInput, i: number): FileTask['hints'][number] => ({ from: f.from ?? req.from ?? null, name: names[i] ?? null });
    const files = req.combine
      ? [fileOf(0, sources, req.files.map(hintsOf), inputBytes)]
      : req.files.map((f, i) => fileOf(i, [sources[i]!], [hintsOf(f, i)], sizes[i]!));
    let settle!: (v: JobView) => void;
    const done = new Promise<JobView>((r) => { settle = r; });
    const job: Job = {
      spec: { to, converter: req.converter ?? null, options: req.options ?? {} },
      files, pending: [...files], dir, charged, lanes: 0, cancelRequested: false, done, settle,
      view: {
        id, status: 'queued', converter: req.converter ?? null, from: toFormatId(req.from ?? null) ?? files[0]!.view.from, to,
        inputBytes, outputBytes: null, queuedAt, startedAt: null, finishedAt: null, durationMs: null, error: null, result: null,
        layers: [], info: null, warnings: [], family: files[0]!.view.family, inputs: req.files.length,
        files: files.map((f) => f.view), progress: { total: files.length, done: 0, succeeded: 0, failed: 0 }, workers: [],
      },
    };
    this.jobs.set(id, job);
    if (files.length > 1) for (const f of files) this.fileIndex.set(f.view.id, { job, file: f });
    this.records.jobInserted({
      id, converter: job.view.converter ?? 'auto', status: 'queued', inputBytes, queuedAt,
      fileNames: this.o.config.logFileNames ? names.filter((n): n is string => n !== null) : null,
    });
    if (req.acknowledged) this.records.flush();
    if (mustWait) this.queue.push(job, this.retryAfter());
    else this.startJob(job);
    this.changed(job);
    this.trim();
    return snapshot(job);
  }

  /** Submit and wait for the outcome. */
  async convert(req: ConvertRequest): Promise<JobView> {
    const v = this.submit(req);
    return this.wait(v.id);
  }

  wait(id: string): Promise<JobView> {
    const j = this.jobs.get(id);
    if (j) return j.done;
    const f = this.fileIndex.get(id);
    if (f) return f.job.done.then(() => fileAsJob(f.job, f.file));
    return Promise.reject(new ConvertError('JOB_NOT_FOUND', `no job ${id}`));
  }

  /** A job by its id, or a file of a batch by its own id (shaped like a one-file job). */
  get(id: string): JobView | null {
    const j = this.jobs.get(id);
    if (j) return snapshot(j);
    const f = this.fileIndex.get(id);
    return f ? fileAsJob(f.job, f.file) : null;
  }

  list(): JobView[] {
    return [...this.jobs.values()].map((j) => snapshot(j)).reverse();
  }

  private fileFor(id: string): { job: Job; file: FileTask } {
    const j = this.jobs.get(id);
    if (j) {
      if (j.files.length !== 1) throw new ConvertError('JOB_NOT_FOUND', `job ${id} has one result per file: download each by its own id (files[].id)`, { files: j.files.map((f) => f.view.id) });
      return { job: j, file: j.files[0]! };
    }
    const f = this.fileIndex.get(id);
    if (!f) throw new ConvertError('JOB_NOT_FOUND', `no job ${id}`);
    return f;
  }

  /** The result file of a succeeded job (or file of a batch), for download. */
  result(id: string): { path: string; name: string; mediaType: string; bytes: number } {
    const { file } = this.fileFor(id);
    const v = file.view;
    if (v.status === 'queued' || v.status === 'running') throw new ConvertError('RESULT_NOT_READY', `job ${id} is ${v.status}`);
    if (v.status !== 'succeeded' || !v.result) throw new ConvertError('JOB_NOT_FOUND', `job ${id} has no result (${v.status})`, { status: v.status });
    if (!file.resultPath) throw new ConvertError('RESULT_GONE', `the result of job ${id} was already downloaded or has expired`);
    return { path: file.resultPath, ...v.result };
  }

  /** Delete a result (after download, on TTL, or on request); a job id: all of its results. */
  discardResult(id: string): boolean {
    const j = this.jobs.get(id);
    const targets = j ? j.files.map((file) => ({ job: j, file })) : this.fileIndex.has(id) ? [this.fileIndex.get(id)!] : [];
    let any = false;
    for (const { job, file } of targets) {
      if (!file.resultPath) continue;
      if (file.expiry) clearTimeout(file.expiry);
      rmSync(file.resultPath, { force: true });
      file.resultPath = null;
      any = true;
      this.dropDirIfDone(job);
    }
    return any;
  }

  /** Cancel a queued job, or kill the workers of a running one (its files are removed); a file id: that file only. */
  cancel(id: string): boolean {
    const j = this.jobs.get(id);
    if (j) {
      if (j.view.status !== 'queued' && j.view.status !== 'running') return false;
      j.cancelRequested = true;
      const queued = this.queue.remove((q) => q === j);
      this.cancelFiles(j, j.files);
      if (queued) this.maybeFinish(j);
      return true;
    }
    const f = this.fileIndex.get(id);
    if (!f || (f.file.view.status !== 'queued' && f.file.view.status !== 'running')) return false;
    this.cancelFiles(f.job, [f.file]);
    return true;
  }

  private cancelFiles(job: Job, files: FileTask[]): void {
    for (const file of files) {
      if (file.view.status === 'queued') {
        const i = job.pending.indexOf(file);
        if (i >= 0) job.pending.splice(i, 1);
        file.cancelRequested = true;
        this.fileDone(job, file, new ConvertError('CANCELLED', 'the job was cancelled before this file was converted'));
      } else if (file.view.status === 'running') {
        file.cancelRequested = true;
        this.converting.get(file)?.handle.kill('SIGKILL');
      }
    }
  }

  async close(): Promise<void> {
    this.closingNow = true;
    for (const j of this.queue.drain()) {
      j.cancelRequested = true;
      for (const f of j.pending.splice(0)) this.fileDone(j, f, new ConvertError('SHUTTING_DOWN', 'the server is shutting down'));
    }
    for (const j of this.runningJobs) this.abort(j, new ConvertError('SHUTTING_DOWN', 'the server is shutting down'));
    await this.pool.close();
    for (const w of this.active) w.handle.kill('SIGKILL');
    await Promise.all([...this.lanes]);
    await Promise.all([...this.active].map((w) => w.dispose()));
    this.records.flush();
    for (const j of this.jobs.values()) { this.discardResult(j.view.id); removeJobDir(j.dir); }
    removeRunRoot(this.root);
  }

  private trim(): void {
    if (this.jobs.size <= KEEP_FINISHED_JOBS) return;
    for (const [id, j] of this.jobs) {
      if (this.jobs.size <= KEEP_FINISHED_JOBS) break;
      if (j.view.status !== 'queued' && j.view.status !== 'running' && !j.files.some((f) => f.resultPath)) {
        this.jobs.delete(id);
        for (const f of j.files) this.fileIndex.delete(f.view.id);
      }
    }
  }

  // ---- scheduling -------------------------------------------------------------------------

  private startJob(job: Job): void {
    this.runningJobs.push(job);
    this.addLane(job);
    this.pump();
  }

  private addLane(job: Job): void {
    this.lanesBusy++;
    job.lanes++;
    const lane = runLane(this, job)
      .catch((e: unknown) => { this.abort(job, new ConvertError('WORKER_CRASHED', `internal error: ${(e as Error).message}`)); })
      .finally(() => { this.lanes.delete(lane); this.laneDone(job); });
    this.lanes.add(lane);
  }

  private laneDone(job: Job): void {
    this.lanesBusy--;
    job.lanes--;
    if (job.lanes === 0 && job.pending.length > 0 && !job.cancelRequested && !this.closingNow) {
      // A lane cannot start its file (never expected): keep the job going on a fresh lane.
      this.addLane(job);
      return;
    }
    this.maybeFinish(job);
    this.dropDirIfDone(job);
    this.pump();
    // A core is free again: refills of the warm stock may start now — on the next turn of the
    // event loop, once the job's waiters have run: a spawn's synchronous part (folders, fork)
    // would otherwise come before the result is written to its client (bench/convert.js §2).
    if (this.lanesBusy < this.conversionCores) setImmediate(() => { if (!this.closingNow && this.lanesBusy < this.conversionCores) this.pool.idle(); });
  }

  /** Give free lanes out: first to waiting jobs (FIFO), then to running jobs with files nobody took. */
  private pump(): void {
    if (this.closingNow) return;
    while (this.lanesBusy < this.poolSize) {
      const next = this.queue.shift();
      if (next) { this.startJob(next); continue; }
      const wants = this.runningJobs.find((j) => j.pending.length > 0 && !j.cancelRequested);
      if (!wants) break;
      this.addLane(wants);
    }
  }

  // ---- LaneHost ---------------------------------------------------------------------------

  async acquire(job: Job, file: FileTask): Promise<WarmWorker> {
    const w = await this.pool.acquire(file.view.family, file.pair);
    if (w.job !== null) throw new ConvertError('WORKER_CRASHED', 'internal error: a worker was offered twice'); // never happens; never ignored
    w.bindJob(job.view.id);
    this.active.add(w);
    const inForce = w.layers.filter((l) => l.inForce).map((l) => l.name);
    if (!job.view.layers.length) job.view.layers = inForce;
    job.view.workers.push({ pid: w.pid, startTime: w.startTime, family: w.family });
    if (job.view.status === 'queued') {
      job.view.status = 'running';
      job.view.startedAt = new Date().toISOString();
      this.records.jobUpdated(job.view.id, { status: 'running', startedAt: job.view.startedAt });
    }
    return w;
  }

  take(job: Job, family: string | null): FileTask | null {
    if (job.cancelRequested) return null;
    let i = family && family !== 'all' ? job.pending.findIndex((f) => f.view.family === family) : -1;
    if (i < 0) i = 0;
    return job.pending.splice(i, 1)[0] ?? null;
  }

  putBack(job: Job, file: FileTask): void {
    file.view.status = 'queued';
    file.view.startedAt = null;
    file.view.worker = null;
    this.converting.delete(file);
    this.convertingNow--;
    job.pending.unshift(file);
    this.changed(job);
  }

  fileStarted(job: Job, file: FileTask, worker: WarmWorker): void {
    const v = file.view;
    v.status = 'running';
    v.startedAt = new Date().toISOString();
    v.worker = { pid: worker.pid, startTime: worker.startTime };
    this.converting.set(file, worker);
    this.convertingNow++;
    this.changed(job);
  }

  fileDone(job: Job, file: FileTask, err: ConvertError | null): void {
    const v = file.view;
    if (v.status !== 'queued' && v.status !== 'running') return;
    if (this.converting.delete(file)) this.convertingNow--;
    v.status = err ? (err.code === 'CANCELLED' ? 'cancelled' : 'failed') : 'succeeded';
    v.finishedAt = new Date().toISOString();
    v.durationMs = v.startedAt ? Date.parse(v.finishedAt) - Date.parse(v.startedAt) : null;
    v.error = err ? err.toJSON() : null;
    if (err) { for (const s of file.sources) if ('spooled' in s) rmSync(s.spooled, { force: true }); file.sources = []; }
    if (v.durationMs !== null && !err) this.avgRunMs = this.avgRunMs * 0.8 + v.durationMs * 0.2;
    const key = err ? `failed:${err.code}` : 'succeeded';
    this.outcomes[key] = (this.outcomes[key] ?? 0) + 1;
    if (file.resultPath) {
      file.expiry = setTimeout(() => this.discardResult(v.id), this.resultTtlMs);
      file.expiry.unref();
    }
    this.changed(job);
    this.maybeFinish(job);
  }

  abort(job: Job, err: ConvertError): void {
    job.cancelRequested = true;
    for (const f of job.pending.splice(0)) this.fileDone(job, f, err);
    for (const f of job.files) if (f.view.status === 'running') { f.cancelRequested = true; this.converting.get(f)?.handle.kill('SIGKILL'); }
  }

  shouldYield(job: Job): boolean {
    return this.queue.length > 0 && job.lanes > 1;
  }

  retire(worker: WarmWorker): void {
    void worker.dispose().finally(() => this.active.delete(worker));
  }

  /** All files final: the job ends (once), its inputs' budget is released, its folder kept only for results. */
  private maybeFinish(job: Job): void {
    const v = job.view;
    if (v.status !== 'queued' && v.status !== 'running') return;
    if (job.files.some((f) => f.view.status === 'queued' || f.view.status === 'running')) return;
    const { status, error } = finalStatus(job);
    v.status = status;
    v.error = error;
    v.finishedAt = new Date().toISOString();
    v.durationMs = v.startedAt ? Date.parse(v.finishedAt) - Date.parse(v.startedAt) : null;
    const i = this.runningJobs.indexOf(job);
    if (i >= 0) this.runningJobs.splice(i, 1);
    this.budget.release(job.charged);
    job.charged = 0;
    summarize(job);
    this.records.jobUpdated(v.id, {
      status, finishedAt: v.finishedAt, durationMs: v.durationMs ?? undefined, outputBytes: v.outputBytes ?? undefined,
      converter: v.converter ?? undefined, errorCode: error?.code ?? null, errorMessage: error?.message ?? null,
    });
    job.settle(snapshot(job));
    this.changed(job);
    this.dropDirIfDone(job);
  }

  private dropDirIfDone(job: Job): void {
    const final = job.view.status !== 'queued' && job.view.status !== 'running';
    if (final && job.lanes === 0 && !job.files.some((f) => f.resultPath)) removeJobDir(job.dir);
  }
}
