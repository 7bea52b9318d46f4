// A lane: one worker slot working for one job. It takes the job's pending files one at a time,
// runs each in a worker of the file's family — the same worker for the next file of that family
// — and kills the worker when the job has nothing more for it, the worker is no longer fit
// (crashed, timed out, terminated by the monitor, its namespace counters moved), or a waiting
// job needs the slot. A worker is bound to its job before its first file and never sees
// another job's file.
import type { JailHandle } from '../isolation/jail/index.js';
import { ConvertError, isConvertErrorCode, type ConvertErrorCode } from './errors.js';
import { extOf, mediaTypeOf } from './formats.js';
import { outputName } from './guards/names.js';
import { clearInputs, placeInputs, takeBackInputs, takeOutput } from './jobdir.js';
import { isResult, type JobMessage, type ResultMessage } from './protocol.js';
import { spawnOptionsFor } from './spawn-options.js';
import type { Records, RunHandle } from './records.js';
import type { WarmWorker, WorkerMonitor } from './pool.js';
import type { FileTask, Job } from './job.js';

type Outcome = { kind: 'result'; msg: ResultMessage } | { kind: 'exit'; detail: string; before: boolean } | { kind: 'timeout' };

/** What a lane needs from the service. */
export interface LaneHost {
  readonly monitor: WorkerMonitor | undefined;
  readonly records: Records;
  readonly jobTimeoutMs: number;
  readonly workerMemoryMb: number;
  readonly maxOutputBytes: number;
  readonly resultTtlMs: number;
  /** strict/paranoid: a worker terminated for network use ends its whole job. */
  readonly strict: boolean;
  /** A worker of the file's family for `job` (bound to it already). */
  acquire(job: Job, file: FileTask): Promise<WarmWorker>;
  /** The next pending file, preferring `family` (the lane's worker's). */
  take(job: Job, family: string | null): FileTask | null;
  /** Put a file back at the front (its worker died before it was sent). */
  putBack(job: Job, file: FileTask): void;
  fileStarted(job: Job, file: FileTask, worker: WarmWorker): void;
  fileDone(job: Job, file: FileTask, err: ConvertError | null): void;
  /** End every other file of the job with this error (strict: a violation ends the job). */
  abort(job: Job, err: ConvertError): void;
  /** Should this lane give its slot up to a waiting job? */
  shouldYield(job: Job): boolean;
  /** The worker is done with (killed in the background, tracked until it exits). */
  retire(worker: WarmWorker): void;
  readonly closing: boolean;
}

/** Send one task; resolve with the result, the worker's death, or the timeout. */
function exchange(worker: WarmWorker, msg: JobMessage, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = worker.handle.child;
    if (worker.exited) { resolve({ kind: 'exit', detail: 'exited before the file was sent', before: true }); return; }
    const timer = setTimeout(() => { cleanup(); worker.handle.kill('SIGKILL'); resolve({ kind: 'timeout' }); }, timeoutMs);
    const onMessage = (m: unknown): void => { if (isResult(m) && m.jobId === msg.jobId && m.taskId === msg.taskId) { cleanup(); resolve({ kind: 'result', msg: m }); } };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => { cleanup(); resolve({ kind: 'exit', detail: signal ? `signal ${signal}` : `exit code ${code}`, before: false }); };
    const cleanup = (): void => { clearTimeout(timer); child.off('message', onMessage); child.off('exit', onExit); };
    child.on('message', onMessage);
    child.on('exit', onExit);
    child.send(msg, (err) => { if (err) { cleanup(); resolve({ kind: 'exit', detail: `IPC send failed: ${err.message}`, before: true }); } });
  });
}

function violations(h: JailHandle, w: WarmWorker): number {
  return h.attempts.length + w.tripwireAttempts;
}

interface Bound { worker: WarmWorker; run: RunHandle; files: number; since: number; netns: { checked: boolean; delta: Record<string, number> } | null }

/**
 * Run one file on a bound worker. Returns whether the worker may take the job's next file.
 */
async function runFile(host: LaneHost, job: Job, file: FileTask, b: Bound): Promise<{ fit: boolean; retry: boolean }> {
  const w = b.worker;
  const v = file.view;
  let inputs: string[];
  try {
    inputs = placeInputs(w.folder, v.index, file.sources);
  } catch (e) {
    // The CLI's input vanished or became unreadable since it was checked.
    host.fileDone(job, file, new ConvertError('INVALID_INPUT', `the input could not be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`));
    return { fit: true, retry: false };
  }
  file.sources = [];
  host.fileStarted(job, file, w);
  const [first, ...more] = inputs;
  const msg: JobMessage = {
    hermetic: 'job', jobId: job.view.id, taskId: v.id, inputFile: first!, outputDir: w.folder.outDir,
    from: file.hints[0]?.from ?? null, nameHint: file.hints[0]?.name ?? null,
    ...(more.length ? { more: more.map((p, i) => ({ inputFile: p, from: file.hints[i + 1]?.from ?? null, nameHint: file.hints[i + 1]?.name ?? null })) } : {}),
    to: job.spec.to, converter: job.spec.converter, options: job.spec.options, maxOutputBytes: host.maxOutputBytes,
  };
  const timeoutMs = host.jobTimeoutMs * (spawnOptionsFor(w.family).timeoutFactor ?? 1);
  const attemptsBefore = violations(w.handle, w);
  const outcome = await exchange(w, msg, timeoutMs);
  if (outcome.kind === 'exit' && outcome.before && !file.cancelRequested && !job.cancelRequested && !file.retried) {
    // Not this file's doing: the worker was gone before it got the file. Once more, elsewhere.
    try {
      file.sources = takeBackInputs(w.folder, inputs, job.dir).map((p) => ({ spooled: p }));
      file.retried = true;
      return { fit: false, retry: true };
    } catch { /* the folder is gone with the worker: the file fails below */ }
  }
  // Namespace counters are read while the worker (and so its namespace) still exists. A worker
  // whose counters moved is not given another file (each worker is reported once).
  const netns = host.monitor && !w.exited ? host.monitor.checkNetns(w.pid, job.view.id) : null;
  if (netns?.checked) b.netns = { checked: true, delta: { ...b.netns?.delta, ...netns.delta } };
  const tainted = !!netns && Object.keys(netns.delta).length > 0;
  b.files++;
  if (!w.exited) { try { clearInputs(w.folder, inputs); } catch { /* the worker's folder goes with it */ } }
  // Blocked attempts that did not stop the file (standard mode, below the threshold).
  const tried = violations(w.handle, w) - attemptsBefore;
  const fit = outcome.kind === 'result' && !w.exited && !w.terminated && !tainted && tried === 0;

  if (file.cancelRequested || job.cancelRequested) {
    host.fileDone(job, file, new ConvertError('CANCELLED', 'the job was cancelled; its worker was killed and its files removed'));
    return { fit: false, retry: false };
  }
  if (w.terminated) {
    const culprit = w.terminated.culprit ?? (outcome.kind === 'result' && !outcome.msg.ok ? String(outcome.msg.error.extra?.package ?? 'unknown') : 'unknown');
    const err = new ConvertError('NETWORK_VIOLATION', `the worker was terminated for network use by ${culprit}`, { culprit });
    host.fileDone(job, file, err);
    if (host.strict) host.abort(job, new ConvertError('NETWORK_VIOLATION', `another file of this job made its worker use the network (${culprit}); strict mode ends the job`, { culprit }));
    return { fit: false, retry: false };
  }
  if (outcome.kind === 'timeout') {
    host.fileDone(job, file, new ConvertError('JOB_TIMEOUT', `the conversion took longer than ${timeoutMs} ms and was stopped`));
    return { fit: false, retry: false };
  }
  if (outcome.kind === 'exit') {
    const tail = w.stderrTail();
    if (/heap out of memory|Allocation failed|Cannot allocate|out of memory/i.test(tail)) {
      host.fileDone(job, file, new ConvertError('OUT_OF_MEMORY', `the conversion needed more than ${host.workerMemoryMb} MiB and was stopped`));
    } else {
      host.fileDone(job, file, new ConvertError('WORKER_CRASHED', `the converter worker exited unexpectedly (${outcome.detail})`));
    }
    return { fit: false, retry: false };
  }
  const r = outcome.msg;
  if (!r.ok) {
    const code: ConvertErrorCode = isConvertErrorCode(r.error.code) ? r.error.code : 'INVALID_INPUT';
    host.fileDone(job, file, new ConvertError(code, r.error.message, r.error.extra ?? {}));
    return { fit, retry: false };
  }
  const ext = extOf(r.format);
  const out = takeOutput(w.folder, r.outputFile, job.dir, `r-${v.index}.${ext}`, host.maxOutputBytes);
  if (!out.ok) {
    host.fileDone(job, file, new ConvertError(out.code, out.reason));
    return { fit: false, retry: false };
  }
  file.resultPath = out.path;
  v.converter = r.converter;
  v.from = r.from;
  v.outputBytes = out.bytes;
  v.result = { name: outputName(v.name ?? undefined, ext), mediaType: mediaTypeOf(r.format), bytes: out.bytes };
  v.info = r.info ?? null;
  v.warnings = r.warnings ?? [];
  // The user sees it on the result too, not only in the security events.
  if (tried > 0) v.warnings.push(`the conversion tried to reach the network ${tried} time(s); every attempt was blocked and recorded (security events)`);
  host.fileDone(job, file, null);
  return { fit, retry: false };
}

function bind(host: LaneHost, job: Job, worker: WarmWorker): Bound {
  const run = host.records.runStarted({
    jobId: job.view.id, pid: worker.pid, layers: worker.layers.filter((l) => l.inForce).map((l) => l.name),
    limits: { memoryMb: host.workerMemoryMb, rlimitDataBytes: worker.rlimitBytes, timeoutMs: host.jobTimeoutMs, maxOutputBytes: host.maxOutputBytes },
    violations: 0, startedAt: new Date().toISOString(),
    usage: { startTime: worker.startTime, family: worker.family },
  });
  return { worker, run, files: 0, since: Date.now(), netns: null };
}

function unbind(host: LaneHost, b: Bound): void {
  const w = b.worker;
  host.records.runUpdated(b.run, {
    finishedAt: new Date().toISOString(), violations: violations(w.handle, w),
    usage: {
      startTime: w.startTime, family: w.family, files: b.files, wallMs: Date.now() - b.since, warmMs: w.readyAt - w.spawnedAt,
      startupCpuMs: w.timing ? w.timing.boot.cpuMs + w.timing.imports.cpuMs + w.timing.warm.cpuMs : null, compileCache: w.compileCache !== null,
      netns: b.netns, outcome: w.terminated ? 'terminated' : w.exited ? 'exited' : 'done',
    },
  });
  host.retire(w);
}

export async function runLane(host: LaneHost, job: Job): Promise<void> {
  let b: Bound | null = null;
  try {
    for (;;) {
      if (job.cancelRequested || host.closing) break;
      const file = host.take(job, b?.worker.family ?? null);
      if (!file) break;
      if (b && b.worker.family !== file.view.family && b.worker.family !== 'all') { unbind(host, b); b = null; }
      if (!b) {
        try {
          b = bind(host, job, await host.acquire(job, file));
        } catch (e) {
          const err = e instanceof ConvertError ? e : new ConvertError('WORKER_CRASHED', `conversion failed: ${(e as Error).message}`);
          host.fileDone(job, file, err);
          continue;
        }
      }
      let fit = false;
      let retry = false;
      try {
        ({ fit, retry } = await runFile(host, job, file, b));
      } catch (e) {
        // Our own bug or the disk (a full one): the file fails, the job goes on.
        host.fileDone(job, file, new ConvertError('WORKER_CRASHED', `the file could not be handled: ${(e as Error).message}`));
      }
      if (retry) host.putBack(job, file);
      if (!fit) { unbind(host, b); b = null; }
      if (host.shouldYield(job)) break;
    }
  } finally {
    if (b) unbind(host, b);
  }
}
