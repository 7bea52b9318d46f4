// The conversion service: accepts jobs, queues them (bounded), runs each in a warm, single-use
// jailed worker, enforces the timeout and output cap, records job and sandbox-run rows, keeps
// results until they are downloaded or expire. The server and the CLI both use this; neither
// ever runs converter code in its own process.
import { randomUUID } from 'node:crypto';
import type { EventStore, JobRecord } from '../events/index.js';
import type { Config } from '../config/index.js';
import type { LayerName } from '../isolation/jail/index.js';
import { ConvertError, isConvertErrorCode, type ConvertErrorCode } from './errors.js';
import { toFormatId, extOf, mediaTypeOf, formatOfName, type FormatId } from './formats.js';
import { familyFor, systemToolFor, type Family } from './families.js';
import { supports, unavailableReason, type ConverterInfo } from './catalog.js';
import { encodeTools, pairAvailability, systemTools, SYSTEM_TOOLS, SYSTEM_TOOLS_ENV, type SystemToolsReport } from './system-tools.js';
import { outputName, safeFileName } from './guards/names.js';
import { LIMITS } from './limits.js';
import { BoundedQueue } from './queue.js';
import { WarmPool, NATIVE_HEADROOM_MB, type FamilySpawnOptions, type JailSpawn, type WorkerMonitor, type WarmWorker, type PoolStats } from './pool.js';
import { jobsRoot, sweepJobsRoot, createRunRoot, removeRunRoot, writeInput, checkOutput, removeJobFolder, type JobFolder } from './jobdir.js';
import { isResult, type JobMessage, type ResultMessage } from './protocol.js';
import { packageRoot } from '../version.js';
import { join } from 'node:path';
import { cpus } from 'node:os';

const SYSTEM_TOOL_BY_ID = new Map(SYSTEM_TOOLS.map((t) => [t.id as string, t]));

/** Decision from the verify module: may conversions run at the current strictness? */
export type CanConvert = () => { ok: boolean; code?: string; message?: string };

export interface ConvertServiceOptions {
  config: Pick<Config, 'dataDir' | 'strictness' | 'jobTimeoutMs' | 'workerMemoryMb' | 'poolSize' | 'logFileNames' | 'convertersDir' | 'killGraceMs' | 'resultTtlMs'>;
  /** jail.spawn from src/isolation/jail. */
  spawn: JailSpawn;
  store?: Pick<EventStore, 'jobs' | 'sandboxRuns'> | undefined;
  monitor?: WorkerMonitor | undefined;
  canConvert?: CanConvert | undefined;
  /** Jobs waiting for a worker beyond those running. Default 16. */
  maxQueued?: number;
  /** Input bytes held by waiting jobs (they are in memory until a worker takes them). Default 512 MiB. */
  maxQueuedBytes?: number;
  maxOutputBytes?: number;
  /** Layers every worker must have (passed to the jail). */
  requireLayers?: LayerName[];
  /** Tripwire in workers (default true). Only tests of the kernel layers alone turn it off. */
  tripwire?: boolean;
  /** Override the pool size (CLI: 1). */
  poolSize?: number;
  readyTimeoutMs?: number;
  /** Node binary for workers (default: the one running the server). */
  nodePath?: string;
  /** Keep the pool full after each job (default true; the one-shot CLI: false). */
  replenish?: boolean;
  /** The jail's memory rlimit for workers (default: heap cap + NATIVE_HEADROOM_MB; see PoolOptions.rlimitBytes). */
  rlimitBytes?: number;
  /** Families kept warm before any demand (default: the common ones; the CLI: none). */
  prewarm?: readonly Family[];
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

/**
 * Native memory a system-tool worker's processes may use beyond the JS heap cap: LibreOffice
 * and ImageMagick allocate outside any JS heap. RLIMIT_DATA is per process, so each program the
 * worker starts gets the same cap.
 */
export const SYSTEM_TOOL_HEADROOM_MB = 1536;

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

export interface JobView {
  id: string;
  status: JobRecord['status'];
  converter: string | null;
  from: FormatId | null;
  to: FormatId;
  inputBytes: number;
  outputBytes: number | null;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  error: { code: string; message: string; [k: string]: unknown } | null;
  /** Isolation layers in force in the worker that ran the job (empty until it starts). */
  layers: string[];
  /** Suggested download name and media type, once succeeded. */
  result: { name: string; mediaType: string; bytes: number } | null;
  /** Facts about the result from the converter (OCR: confidence). */
  info: Record<string, string | number | boolean> | null;
  /** What the user should know about the result (e.g. remote references left in HTML). */
  warnings: string[];
  /** The worker family that ran (or will run) it. */
  family: Family;
  /** Number of input files (more than one for a combining job). */
  inputs: number;
}

interface Job {
  view: JobView;
  req: ConvertRequest;
  displayName: string | null;
  folder: JobFolder | null;
  outputFile: string | null;
  done: Promise<JobView>;
  settle: (v: JobView) => void;
  expiry: NodeJS.Timeout | null;
  /** DELETE while running: the worker is killed and the job ends 'cancelled'. */
  cancelRequested?: boolean;
  worker?: WarmWorker | null;
}

export interface ServiceStats {
  pool: PoolStats;
  queued: number;
  running: number;
  outcomes: Record<string, number>;
}

const KEEP_FINISHED_JOBS = 500;

export class ConvertService {
  private readonly pool: WarmPool;
  private readonly queue: BoundedQueue<Job>;
  private readonly jobs = new Map<string, Job>();
  private running = 0;
  private queuedBytes = 0;
  private readonly outcomes: Record<string, number> = {};
  private readonly root: string;
  private readonly poolSize: number;
  private avgRunMs = 2000;
  private closing = false;
  /** Workers running a job now (killed on close). */
  private readonly active = new Set<WarmWorker>();
  /** run() of every job started and not yet finished (close() waits for them). */
  private readonly inFlight = new Set<Promise<void>>();
  /** System tools, detected once (each asked for its version under the jail); see detectTools. */
  private toolsPromise: Promise<SystemToolsReport> | null = null;
  private toolsKnown: SystemToolsReport | null = null;
  private readonly updateListeners = new Set<(view: JobView) => void>();

  constructor(private readonly o: ConvertServiceOptions) {
    const jobsDir = jobsRoot(o.config.dataDir);
    sweepJobsRoot(jobsDir);
    this.root = createRunRoot(jobsDir);
    this.poolSize = o.poolSize ?? (o.config.poolSize || Math.max(1, cpus().length));
    const strict = o.config.strictness !== 'standard';
    if (o.detectTools !== 'lazy') void this.tools;
    this.pool = new WarmPool({
      size: this.poolSize,
      spawn: o.spawn,
      jobsRoot: this.root,
      memoryMb: o.config.workerMemoryMb,
      convertersDir: o.config.convertersDir ?? join(o.config.dataDir, 'converters'),
      require: o.requireLayers ?? [],
      minKernelLayers: strict ? 1 : 0,
      tripwire: o.tripwire ?? true,
      monitor: o.monitor,
      killGraceMs: o.config.killGraceMs,
      readyTimeoutMs: o.readyTimeoutMs ?? 30_000,
      readRoots: [packageRoot],
      replenish: o.replenish ?? true,
      ...(o.nodePath ? { nodePath: o.nodePath } : {}),
      ...(o.rlimitBytes ? { rlimitBytes: o.rlimitBytes } : {}),
      ...(o.prewarm ? { prewarm: o.prewarm } : {}),
      familySpawn: (f) => this.familySpawn(f),
      // Only the workers that run or list system converters wait for detection; an image or
      // data worker starts at once.
      workerEnv: async (f): Promise<Record<string, string>> => (f === 'office' || f === 'system' || f === 'all' ? { [SYSTEM_TOOLS_ENV]: encodeTools(await this.tools) } : {}),
    });
    this.queue = new BoundedQueue<Job>(o.maxQueued ?? 16);
    this.pool.events.on('spawnFailed', (e: Error) => {
      try { o.onFault?.('pool.replenish', e); } catch { /* reporting must not break the pool */ }
    });
  }

  /** Remove leftovers of a previous run and warm the pool. */
  start(): void {
    this.warmUp();
  }

  /**
   * Start the warm workers if conversions are allowed now. In strict/paranoid the verdict comes
   * after the server listens: call this again once verification has run (jobs also start
   * workers on demand, so forgetting it costs only the first job's latency).
   */
  warmUp(): void {
    if (!this.closing && this.allowed().ok) this.pool.start();
  }

  catalog(): Promise<ConverterInfo[]> {
    this.assertAllowed();
    return this.pool.catalog();
  }

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

  /** System-tool families: child processes, a private tmp/ (HOME, TMPDIR, LibreOffice's profile), more native memory. */
  private familySpawn(f: Family): FamilySpawnOptions | undefined {
    if (f !== 'office' && f !== 'system') return undefined;
    return { allowChildProcess: true, privateTmp: true, rlimitBytes: this.rlimitFor(f) };
  }

  private rlimitFor(f: Family): number {
    const headroom = f === 'office' || f === 'system' ? SYSTEM_TOOL_HEADROOM_MB : NATIVE_HEADROOM_MB;
    return this.o.rlimitBytes ?? (this.o.config.workerMemoryMb + headroom) * 1024 * 1024;
  }

  private toolAvailable = (id: string): boolean => this.toolsKnown?.tools.find((t) => t.id === id)?.available ?? true;

  stats(): ServiceStats {
    return { pool: this.pool.stats(), queued: this.queue.length, running: this.running, outcomes: { ...this.outcomes } };
  }

  private allowed(): { ok: boolean; code?: string; message?: string } {
    return this.o.canConvert ? this.o.canConvert() : { ok: true };
  }

  private assertAllowed(): void {
    const a = this.allowed();
    if (!a.ok) throw new ConvertError('ISOLATION_INSUFFICIENT', a.message ?? 'conversions are refused: the required isolation is not in force', a.code ? { reason: a.code } : {});
  }

  /** Validate and enqueue; returns at once. Throws ConvertError for requests refused up front. */
  submit(req: ConvertRequest): JobView {
    if (this.closing) throw new ConvertError('SHUTTING_DOWN', 'the converter service is shutting down');
    this.assertAllowed();
    const to = toFormatId(req.to);
    if (!to) throw new ConvertError('UNSUPPORTED_FORMAT', `unknown output format '${req.to}'`);
    if (req.from && !toFormatId(req.from)) throw new ConvertError('UNSUPPORTED_FORMAT', `unknown input format '${req.from}'`);
    if (!req.data?.length || req.more?.some((m) => !m.data?.length)) throw new ConvertError('INVALID_INPUT', 'the input is empty');
    // Refuse impossible requests before a single-use worker is spent on them (the worker still
    // decides from the real content; this only uses the declared format, when there is one).
    const cat = this.pool.cachedCatalog();
    if (cat && !supports(cat, toFormatId(req.from ?? null), to, req.converter)) {
      const missing = unavailableReason(cat, toFormatId(req.from ?? null), to, req.converter);
      if (missing) throw new ConvertError('UNAVAILABLE', `this conversion needs a program that is not available here: ${missing}`);
      throw new ConvertError('NO_CONVERTER', req.converter ? `converter '${req.converter}' cannot produce ${to}${req.from ? ` from ${req.from}` : ''}` : `no converter turns ${req.from ?? 'this input'} into ${to}`);
    }
    const displayName = req.name ? safeFileName(req.name) : null;
    for (const m of req.more ?? []) if (m.name) safeFileName(m.name); // refuse unsafe names up front
    const routeFrom = toFormatId(req.from ?? null) ?? formatOfName(req.name);
    const family = familyFor(routeFrom, to, req.converter, this.toolAvailable);
    this.assertToolFor(family, routeFrom, to, req.converter);
    const inputBytes = req.data.length + (req.more ?? []).reduce((n, m) => n + m.data.length, 0);
    const id = randomUUID();
    let settle!: (v: JobView) => void;
    const done = new Promise<JobView>((r) => { settle = r; });
    const job: Job = {
      req, displayName, folder: null, outputFile: null, done, settle, expiry: null,
      view: {
        id, status: 'queued', converter: req.converter ?? null, from: toFormatId(req.from ?? null), to,
        inputBytes, outputBytes: null, queuedAt: new Date().toISOString(), startedAt: null,
        finishedAt: null, durationMs: null, error: null, result: null, layers: [], info: null, warnings: [], family, inputs: 1 + (req.more?.length ?? 0),
      },
    };
    const retryAfter = Math.max(1, Math.min(60, Math.ceil((this.avgRunMs * (this.queue.length + 1)) / this.poolSize / 1000)));
    if (this.running >= this.poolSize) {
      const budget = this.o.maxQueuedBytes ?? 512 * 1024 * 1024;
      if (this.queuedBytes + inputBytes > budget && this.queue.length > 0) {
        throw new ConvertError('QUEUE_FULL', `waiting jobs already hold ${this.queuedBytes} bytes of input; try again in ${retryAfter} s`, { retryAfterSec: retryAfter });
      }
      this.queue.push(job, retryAfter);
      this.queuedBytes += inputBytes;
    }
    this.jobs.set(id, job);
    this.o.store?.jobs.insert({
      id, converter: job.view.converter ?? 'auto', status: 'queued', inputBytes, queuedAt: job.view.queuedAt,
      fileNames: this.o.config.logFileNames && displayName ? [displayName] : null,
    });
    this.emitUpdate(job);
    if (this.running < this.poolSize) this.launch(job);
    this.trim();
    return { ...job.view };
  }

  /** A system tool known to be missing is UNAVAILABLE now (with the install hint), not after a worker started. */
  private assertToolFor(family: Family, from: FormatId | null, to: FormatId, converter?: string | null): void {
    if ((family !== 'office' && family !== 'system') || !from || !this.toolsKnown) return;
    const spec = converter ? SYSTEM_TOOL_BY_ID.get(converter) : systemToolFor(from, to, this.toolAvailable);
    if (!spec || !spec.pairs.some((p) => p.from === from && p.to === to)) return; // the worker says NO_CONVERTER
    const r = pairAvailability(spec, this.toolsKnown.tools.find((t) => t.id === spec.id), from, to);
    if (!r.ok) throw new ConvertError('UNAVAILABLE', `${from} to ${to} needs ${spec.name}, which is not available here: ${r.reason}`, { converter: spec.id });
  }

  /** Every status/progress change of every job, as it happens (the jobs event stream). Returns unsubscribe. */
  onJobUpdate(listener: (view: JobView) => void): () => void {
    this.updateListeners.add(listener);
    return () => { this.updateListeners.delete(listener); };
  }

  private emitUpdate(job: Job): void {
    for (const l of this.updateListeners) {
      try { l({ ...job.view }); } catch { /* a listener's failure is its own; the job goes on */ }
    }
  }

  /** Submit and wait for the outcome. */
  async convert(req: ConvertRequest): Promise<JobView> {
    const v = this.submit(req);
    return this.wait(v.id);
  }

  wait(id: string): Promise<JobView> {
    const j = this.jobs.get(id);
    if (!j) return Promise.reject(new ConvertError('JOB_NOT_FOUND', `no job ${id}`));
    return j.done;
  }

  get(id: string): JobView | null {
    const j = this.jobs.get(id);
    return j ? { ...j.view } : null;
  }

  list(): JobView[] {
    return [...this.jobs.values()].map((j) => ({ ...j.view })).reverse();
  }

  /** The result file of a succeeded job, for download. */
  result(id: string): { path: string; name: string; mediaType: string; bytes: number } {
    const j = this.jobs.get(id);
    if (!j) throw new ConvertError('JOB_NOT_FOUND', `no job ${id}`);
    if (j.view.status === 'queued' || j.view.status === 'running') throw new ConvertError('RESULT_NOT_READY', `job ${id} is ${j.view.status}`);
    if (j.view.status !== 'succeeded' || !j.view.result) throw new ConvertError('JOB_NOT_FOUND', `job ${id} has no result (${j.view.status})`, { status: j.view.status });
    if (!j.outputFile || !j.folder) throw new ConvertError('RESULT_GONE', `the result of job ${id} was already downloaded or has expired`);
    return { path: j.outputFile, ...j.view.result };
  }

  /** Delete a job's result (after download, on TTL, or on request). */
  discardResult(id: string): boolean {
    const j = this.jobs.get(id);
    if (!j?.folder) return false;
    if (j.expiry) clearTimeout(j.expiry);
    removeJobFolder(j.folder);
    j.folder = null;
    j.outputFile = null;
    return true;
  }

  /** Cancel a queued job, or kill the worker of a running one (its files are removed). */
  cancel(id: string): boolean {
    const j = this.jobs.get(id);
    if (!j) return false;
    if (j.view.status === 'running' && j.worker) {
      j.cancelRequested = true;
      j.worker.handle.kill('SIGKILL');
      return true;
    }
    if (this.queue.remove((q) => q === j)) {
      this.queuedBytes -= j.view.inputBytes;
      this.finish(j, 'cancelled', null);
      return true;
    }
    return false;
  }

  async close(): Promise<void> {
    this.closing = true;
    this.queuedBytes = 0;
    for (const j of this.queue.drain()) this.finish(j, 'cancelled', new ConvertError('SHUTTING_DOWN', 'the server is shutting down'));
    await this.pool.close();
    for (const w of this.active) w.handle.kill('SIGKILL');
    // The killed jobs finish their bookkeeping (job and sandbox-run rows) before close()
    // returns: the caller closes the event store next, and a late write would fail.
    await Promise.allSettled([...this.inFlight]);
    for (const j of this.jobs.values()) if (j.folder) this.discardResult(j.view.id);
    removeRunRoot(this.root);
  }

  private launch(job: Job): void {
    const p = this.run(job);
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private trim(): void {
    if (this.jobs.size <= KEEP_FINISHED_JOBS) return;
    for (const [id, j] of this.jobs) {
      if (this.jobs.size <= KEEP_FINISHED_JOBS) break;
      if (j.view.status !== 'queued' && j.view.status !== 'running' && !j.folder) this.jobs.delete(id);
    }
  }

  private async run(job: Job): Promise<void> {
    this.running++;
    let worker: WarmWorker | null = null;
    try {
      worker = await this.pool.acquire(job.view.family);
      await this.execute(job, worker);
    } catch (e) {
      const err = e instanceof ConvertError ? e : new ConvertError('WORKER_CRASHED', `conversion failed: ${(e as Error).message}`);
      if (job.folder) { removeJobFolder(job.folder); job.folder = null; }
      if (job.view.status === 'queued' || job.view.status === 'running') this.finish(job, 'failed', err);
      if (worker) await worker.dispose();
    } finally {
      if (worker) this.active.delete(worker);
      this.running--;
      const next = this.queue.shift();
      if (next) { this.queuedBytes -= next.view.inputBytes; this.launch(next); }
    }
  }

  private async execute(job: Job, worker: WarmWorker): Promise<void> {
    const v = job.view;
    v.status = 'running';
    v.startedAt = new Date().toISOString();
    const t0 = Date.now();
    job.folder = worker.folder;
    v.layers = worker.layers.filter((l) => l.inForce).map((l) => l.name);
    this.active.add(worker);
    job.worker = worker;
    worker.bindJob(v.id);
    this.o.store?.jobs.update(v.id, { status: 'running', startedAt: v.startedAt });
    this.emitUpdate(job);
    const runId = this.o.store?.sandboxRuns.insert({
      jobId: v.id, pid: worker.pid, layers: worker.layers.filter((l) => l.inForce).map((l) => l.name),
      limits: { memoryMb: this.o.config.workerMemoryMb, rlimitDataBytes: this.rlimitFor(worker.family), timeoutMs: this.o.config.jobTimeoutMs, maxOutputBytes: this.maxOutput() },
      violations: 0, startedAt: v.startedAt,
    });
    const more = job.req.more ?? [];
    const [inputFile, ...moreFiles] = writeInput(worker.folder, job.req.data, more.map((m) => m.data));
    const msg: JobMessage = {
      hermetic: 'job', jobId: v.id, inputFile: inputFile!, outputDir: worker.folder.outDir, from: job.req.from ?? null,
      nameHint: job.displayName,
      ...(more.length ? { more: more.map((m, i) => ({ inputFile: moreFiles[i]!, from: m.from ?? job.req.from ?? null, nameHint: m.name ? safeFileName(m.name) : null })) } : {}), to: v.to, converter: job.req.converter ?? null, options: job.req.options ?? {},
      maxOutputBytes: this.maxOutput(),
    };
    // The bytes are on disk now; do not keep them in memory with the job record.
    job.req = { ...job.req, data: Buffer.alloc(0), more: [] };
    const outcome = await this.exchange(worker, msg);
    // Namespace counters are read while the worker (and so its namespace) still exists.
    const netns = this.o.monitor ? this.o.monitor.checkNetns(worker.pid, v.id) : null;
    await worker.dispose({ keepFolder: true });
    this.active.delete(worker);
    job.worker = null;
    if (job.cancelRequested) {
      if (job.folder) { removeJobFolder(job.folder); job.folder = null; }
      this.finish(job, 'cancelled', new ConvertError('CANCELLED', 'the job was cancelled; its worker was killed and its files removed'));
      return;
    }
    const elapsed = Date.now() - t0;
    this.avgRunMs = this.avgRunMs * 0.8 + elapsed * 0.2;
    const violations = worker.handle.attempts.length + worker.tripwireAttempts;
    if (runId !== undefined) {
      this.o.store?.sandboxRuns.update(runId, {
        finishedAt: new Date().toISOString(), violations,
        usage: { wallMs: elapsed, warmMs: worker.readyAt - worker.spawnedAt, netns: netns ? { checked: netns.checked, delta: netns.delta } : null, outcome: outcome.kind },
      });
    }
    if (worker.terminated) {
      const culprit = worker.terminated.culprit ?? (outcome.kind === 'result' && !outcome.msg.ok ? String(outcome.msg.error.extra?.package ?? 'unknown') : 'unknown');
      return this.fail(job, new ConvertError('NETWORK_VIOLATION', `the worker was terminated for network use by ${culprit}`, { culprit }));
    }
    if (outcome.kind === 'timeout') return this.fail(job, new ConvertError('JOB_TIMEOUT', `the conversion took longer than ${this.o.config.jobTimeoutMs} ms and was stopped`));
    if (outcome.kind === 'exit') {
      const tail = worker.stderrTail();
      if (/heap out of memory|Allocation failed|Cannot allocate|out of memory/i.test(tail)) return this.fail(job, new ConvertError('OUT_OF_MEMORY', `the conversion needed more than ${this.o.config.workerMemoryMb} MiB and was stopped`));
      return this.fail(job, new ConvertError('WORKER_CRASHED', `the converter worker exited unexpectedly (${outcome.detail})`));
    }
    const r = outcome.msg;
    if (!r.ok) {
      const code: ConvertErrorCode = isConvertErrorCode(r.error.code) ? r.error.code : 'INVALID_INPUT';
      return this.fail(job, new ConvertError(code, r.error.message, r.error.extra ?? {}));
    }
    const check = checkOutput(worker.folder, r.outputFile, this.maxOutput());
    if (!check.ok) return this.fail(job, new ConvertError(check.code, check.reason));
    job.outputFile = r.outputFile;
    v.converter = r.converter;
    v.from = r.from;
    v.outputBytes = check.bytes;
    v.result = { name: outputName(job.displayName ?? undefined, extOf(r.format)), mediaType: mediaTypeOf(r.format), bytes: check.bytes };
    v.info = r.info ?? null;
    v.warnings = r.warnings ?? [];
    // Blocked attempts that did not stop the job (standard mode, below the threshold): say so.
    if (violations > 0) v.warnings.push(`the conversion tried to reach the network ${violations} time(s); every attempt was blocked and recorded (security events)`);
    this.finish(job, 'succeeded', null);
    job.expiry = setTimeout(() => this.discardResult(v.id), this.o.config.resultTtlMs);
    job.expiry.unref();
  }

  private maxOutput(): number {
    return this.o.maxOutputBytes ?? LIMITS.maxOutputBytes;
  }

  /** Send the job; resolve with the result, the worker's death, or the timeout. */
  private exchange(worker: WarmWorker, msg: JobMessage): Promise<{ kind: 'result'; msg: ResultMessage } | { kind: 'exit'; detail: string } | { kind: 'timeout' }> {
    return new Promise((resolve) => {
      const child = worker.handle.child;
      const timer = setTimeout(() => { cleanup(); worker.handle.kill('SIGKILL'); resolve({ kind: 'timeout' }); }, this.o.config.jobTimeoutMs);
      const onMessage = (m: unknown): void => { if (isResult(m) && m.jobId === msg.jobId) { cleanup(); resolve({ kind: 'result', msg: m }); } };
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => { cleanup(); resolve({ kind: 'exit', detail: signal ? `signal ${signal}` : `exit code ${code}` }); };
      const cleanup = (): void => { clearTimeout(timer); child.off('message', onMessage); child.off('exit', onExit); };
      child.on('message', onMessage);
      child.on('exit', onExit);
      if (worker.exited) { cleanup(); resolve({ kind: 'exit', detail: 'exited before the job was sent' }); return; }
      child.send(msg, (err) => { if (err) { cleanup(); resolve({ kind: 'exit', detail: `IPC send failed: ${err.message}` }); } });
    });
  }

  private fail(job: Job, err: ConvertError): void {
    if (job.folder) { removeJobFolder(job.folder); job.folder = null; }
    this.finish(job, 'failed', err);
  }

  private finish(job: Job, status: JobRecord['status'], err: ConvertError | null): void {
    const v = job.view;
    v.status = status;
    v.finishedAt = new Date().toISOString();
    v.durationMs = v.startedAt ? Date.parse(v.finishedAt) - Date.parse(v.startedAt) : null;
    v.error = err ? err.toJSON() : null;
    const key = status === 'failed' && err ? `failed:${err.code}` : status;
    this.outcomes[key] = (this.outcomes[key] ?? 0) + 1;
    this.o.store?.jobs.update(v.id, {
      status, finishedAt: v.finishedAt, durationMs: v.durationMs ?? undefined, outputBytes: v.outputBytes ?? undefined,
      converter: v.converter ?? undefined, errorCode: err?.code ?? null, errorMessage: err?.message ?? null,
    });
    this.emitUpdate(job);
    job.settle({ ...v });
  }
}
