// A job is one trust domain: one CLI invocation, one API request with all its files, one async
// job. Its files may share a worker process (they belong to the same person and request); no
// other job's file ever runs in that process. This file holds the job and file records and the
// views the API and the CLI see.
import type { JobRecord } from '../events/index.js';
import type { ConvertError } from './errors.js';
import type { FormatId } from './formats.js';
import type { Family } from './families.js';
import type { InputSource } from './jobdir.js';

export type Status = JobRecord['status'];

/** A worker process a job ran in: pid + start time identify it for good (a pid may be reused). */
export interface ProcessId { pid: number; startTime: number; family: Family }

/** One file of a job (for a combining job: its one task, with several inputs). */
export interface FileView {
  /** Addressable like a job (GET /api/jobs/:id, /result); equal to the job id for a one-file job. */
  id: string;
  index: number;
  /** The cleaned file name (display and download only; never on disk, never logged unless opted in). */
  name: string | null;
  status: Status;
  /** Input bytes (all inputs of a combining task). */
  bytes: number;
  outputBytes: number | null;
  converter: string | null;
  from: FormatId | null;
  family: Family;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  error: { code: string; message: string; [k: string]: unknown } | null;
  result: { name: string; mediaType: string; bytes: number } | null;
  info: Record<string, string | number | boolean> | null;
  warnings: string[];
  /** The worker process it ran in. */
  worker: { pid: number; startTime: number } | null;
}

export interface JobView {
  id: string;
  status: Status;
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
  /** Isolation layers in force in the worker(s) that ran the job (empty until it starts). */
  layers: string[];
  /** Suggested download name and media type, once succeeded (one-file jobs). */
  result: { name: string; mediaType: string; bytes: number } | null;
  /** Facts about the result from the converter (OCR: confidence). */
  info: Record<string, string | number | boolean> | null;
  /** What the user should know about the result (e.g. remote references left in HTML). */
  warnings: string[];
  /** The worker family that ran (or will run) it; a batch of several families: its first file's. */
  family: Family;
  /** Number of input files (more than one for a combining job or a batch). */
  inputs: number;
  /** Every file of the job with its own status and result (one entry for a one-file job). */
  files: FileView[];
  /** Files done so far. */
  progress: { total: number; done: number; succeeded: number; failed: number };
  /** The worker processes that ran this job's files: no other job ever ran in any of them. */
  workers: ProcessId[];
  /** For a file of a batch addressed by its own id: the job it belongs to. */
  partOf?: string;
}

export interface FileTask {
  view: FileView;
  /** Input(s) until a worker takes them. */
  sources: InputSource[];
  /** Declared format / name hint of each input (the first is the file's own). */
  hints: { from: string | null; name: string | null }[];
  /** The result in the job's folder, until downloaded or expired. */
  resultPath: string | null;
  expiry: NodeJS.Timeout | null;
  cancelRequested: boolean;
  /** Put back once already (its worker died before it got the file). */
  retried: boolean;
  /** "from:to" as declared ("?:html" when unknown): the pool preloads what recent files needed. */
  pair: string;
}

export interface Job {
  view: JobView;
  /** What to do with every file. */
  spec: { to: FormatId; converter: string | null; options: Record<string, unknown> };
  files: FileTask[];
  /** Files no lane has taken yet, in order. */
  pending: FileTask[];
  /** The job's own folder (spooled uploads, results). */
  dir: string;
  /** Bytes charged to the upload budget, released when the job ends. */
  charged: number;
  /** Lanes (worker slots) working on it now. */
  lanes: number;
  cancelRequested: boolean;
  done: Promise<JobView>;
  settle: (v: JobView) => void;
}

export function fileError(e: ConvertError): FileView['error'] {
  return e.toJSON();
}

function isFinal(s: Status): boolean {
  return s !== 'queued' && s !== 'running';
}

/** Recompute the job's summary fields from its files (after any file changed). */
export function summarize(job: Job): void {
  const v = job.view;
  const files = job.files.map((f) => f.view);
  const done = files.filter((f) => isFinal(f.status));
  const ok = files.filter((f) => f.status === 'succeeded');
  v.progress = { total: files.length, done: done.length, succeeded: ok.length, failed: done.length - ok.length };
  v.outputBytes = ok.length ? ok.reduce((n, f) => n + (f.outputBytes ?? 0), 0) : null;
  if (files.length === 1) {
    const f = files[0]!;
    v.converter = f.converter ?? v.converter;
    v.from = f.from ?? v.from;
    v.result = f.result;
    v.info = f.info;
    v.warnings = f.warnings;
  } else {
    v.converter = ok[0]?.converter ?? v.converter;
    v.warnings = [...new Set(files.flatMap((f) => f.warnings))];
  }
}

/** The job's final status from its files: succeeded if any file did (each file says its own). */
export function finalStatus(job: Job): { status: Status; error: FileView['error'] } {
  const files = job.files.map((f) => f.view);
  if (job.cancelRequested && !files.some((f) => f.status === 'succeeded')) {
    return { status: 'cancelled', error: files.find((f) => f.error)?.error ?? { code: 'CANCELLED', message: 'the job was cancelled' } };
  }
  if (files.some((f) => f.status === 'succeeded')) return { status: 'succeeded', error: null };
  const first = files.find((f) => f.error)?.error ?? { code: 'WORKER_CRASHED', message: 'conversion failed' };
  if (files.length === 1) return { status: files[0]!.status === 'cancelled' ? 'cancelled' : 'failed', error: first };
  return { status: 'failed', error: { ...first, message: `none of the ${files.length} files could be converted (first: ${first.message})` } };
}

/** A file of a batch, shaped like a job (its id works wherever a job id does). */
export function fileAsJob(job: Job, f: FileTask): JobView {
  const v = f.view;
  return {
    id: v.id, status: v.status, converter: v.converter, from: v.from, to: job.view.to, inputBytes: v.bytes,
    outputBytes: v.outputBytes, queuedAt: job.view.queuedAt, startedAt: v.startedAt, finishedAt: v.finishedAt,
    durationMs: v.durationMs, error: v.error, layers: job.view.layers, result: v.result, info: v.info, warnings: v.warnings,
    family: v.family, inputs: f.hints.length, files: [{ ...v }],
    progress: { total: 1, done: isFinal(v.status) ? 1 : 0, succeeded: v.status === 'succeeded' ? 1 : 0, failed: isFinal(v.status) && v.status !== 'succeeded' ? 1 : 0 },
    workers: v.worker ? job.view.workers.filter((w) => w.pid === v.worker!.pid && w.startTime === v.worker!.startTime) : [],
    partOf: job.view.id,
  };
}

/** A copy safe to hand out (the record keeps changing). */
export function snapshot(job: Job): JobView {
  const v = job.view;
  return { ...v, files: v.files.map((f) => ({ ...f, warnings: [...f.warnings] })), workers: [...v.workers], layers: [...v.layers], warnings: [...v.warnings], progress: { ...v.progress } };
}
