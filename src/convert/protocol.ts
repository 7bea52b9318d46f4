// Messages between the server (pool) and a worker over the IPC channel. Plain JSON; the
// input and output bytes never travel here — they are files in the job folder.
import type { ConverterInfo } from './catalog.js';
import type { ConvertErrorCode } from './errors.js';
import type { FormatId } from './formats.js';

/** Worker → server, once its converter modules are imported ("warm"). */
export interface ReadyMessage {
  hermetic: 'ready';
  pid: number;
  /** The family whose modules it imported (families.ts). */
  family: string;
  converters: ConverterInfo[];
  pluginErrors: { file: string; message: string }[];
}

/** Server → worker: the one job this worker will ever run. */
export interface JobMessage {
  hermetic: 'job';
  jobId: string;
  /** Absolute path of the input file (in the read-only in/ folder). */
  inputFile: string;
  /** Absolute path of the only folder the worker may write. */
  outputDir: string;
  /** Declared input format or the original name's extension (a hint; content decides). */
  from: string | null;
  nameHint: string | null;
  /** Further inputs of a combining job (PDF merge), in order; same rules as the first. */
  more?: { inputFile: string; from: string | null; nameHint: string | null }[];
  to: FormatId;
  converter: string | null;
  options: Record<string, unknown>;
  maxOutputBytes: number;
}

/** Worker → server: the outcome. The worker then waits to be killed (single-use). */
export type ResultMessage =
  | { hermetic: 'result'; jobId: string; ok: true; converter: string; from: FormatId; format: FormatId; outputFile: string; bytes: number; convertMs: number; info?: Record<string, string | number | boolean>; warnings?: string[] }
  | { hermetic: 'result'; jobId: string; ok: false; error: { code: ConvertErrorCode; message: string; extra?: Record<string, unknown> } };

export function isReady(m: unknown): m is ReadyMessage {
  return typeof m === 'object' && m !== null && (m as { hermetic?: unknown }).hermetic === 'ready';
}
export function isJob(m: unknown): m is JobMessage {
  return typeof m === 'object' && m !== null && (m as { hermetic?: unknown }).hermetic === 'job';
}
export function isResult(m: unknown): m is ResultMessage {
  return typeof m === 'object' && m !== null && (m as { hermetic?: unknown }).hermetic === 'result';
}
