// Messages between the server (pool) and a worker over the IPC channel. Plain JSON; the
// input and output bytes never travel here — they are files in the worker's folder.
//
// A worker belongs to ONE job (one trust domain: a CLI invocation, an API request with all its
// files, an async job). It may convert several files of that job, one at a time; the first
// task binds it to the job's id and it refuses tasks of any other job. It is killed when the
// job no longer needs it.
import type { ConverterInfo } from './catalog.js';
import type { ConvertErrorCode } from './errors.js';
import type { FormatId } from './formats.js';

/** CPU (user+system) and wall milliseconds since the process started, at each start-up step. */
export interface StartupTiming {
  /** Node start, the tripwire preload and the worker entry's own small imports. */
  boot: { cpuMs: number; wallMs: number };
  /** Converter modules of the family (and plugins), registry, detection. */
  imports: { cpuMs: number; wallMs: number };
  /** The family's warm() (pdfjs handler, OCR engine + model) and its rehearsal. */
  warm: { cpuMs: number; wallMs: number };
}

/** Worker → server, once its converter modules are imported ("warm"). */
export interface ReadyMessage {
  hermetic: 'ready';
  pid: number;
  /** The family whose modules it imported (families.ts). */
  family: string;
  /** The full catalog: only an 'all' worker reports it (the others send []). */
  converters: ConverterInfo[];
  pluginErrors: { file: string; message: string }[];
  /** Where its start-up CPU went (bench/convert.ts prints the breakdown). */
  timing?: StartupTiming;
  /** Whether Node's compile cache was in use (NODE_COMPILE_CACHE given and accepted). */
  compileCache?: string;
}

/** Server → worker: one file of the job this worker belongs to. */
export interface JobMessage {
  hermetic: 'job';
  jobId: string;
  /** The file's id within the job (equal to jobId for a one-file job). */
  taskId?: string;
  /** Absolute path of the input file (in the worker's read-only in/ folder). */
  inputFile: string;
  /** Absolute path of the only folder the worker may write. */
  outputDir: string;
  /** Declared input format or the original name's extension (a hint; content decides). */
  from: string | null;
  nameHint: string | null;
  /** Further inputs of a combining task (PDF merge), in order; same rules as the first. */
  more?: { inputFile: string; from: string | null; nameHint: string | null }[];
  to: FormatId;
  converter: string | null;
  options: Record<string, unknown>;
  maxOutputBytes: number;
}

/** Worker → server: the outcome of one task. The worker then waits for the next task or its end. */
export type ResultMessage =
  | { hermetic: 'result'; jobId: string; taskId?: string; ok: true; converter: string; from: FormatId; format: FormatId; outputFile: string; bytes: number; convertMs: number; info?: Record<string, string | number | boolean>; warnings?: string[] }
  | { hermetic: 'result'; jobId: string; taskId?: string; ok: false; error: { code: ConvertErrorCode; message: string; extra?: Record<string, unknown> } };

export function isReady(m: unknown): m is ReadyMessage {
  return typeof m === 'object' && m !== null && (m as { hermetic?: unknown }).hermetic === 'ready';
}
export function isJob(m: unknown): m is JobMessage {
  return typeof m === 'object' && m !== null && (m as { hermetic?: unknown }).hermetic === 'job';
}
export function isResult(m: unknown): m is ResultMessage {
  return typeof m === 'object' && m !== null && (m as { hermetic?: unknown }).hermetic === 'result';
}
