// Worker side of the system converters: the tools detected at start-up (handed over in
// HERMETIC_SYSTEM_TOOLS), each converter's availability, and running a program as the jailed
// worker's child. The child inherits every kernel layer of the worker (network namespace,
// seccomp, Landlock: writes only to out/ and the private scratch/); the tripwire's child_process
// hook still refuses network programs by name; the jail kills the whole tree when the job ends.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConvertError } from '../../errors.js';
import type { FormatId } from '../../formats.js';
import { LIMITS } from '../../limits.js';
import type { ConverterManifest } from '../../types.js';
import { decodeTools, pairAvailability, SYSTEM_TOOLS_ENV, toolSpec, type SystemToolId, type SystemToolInfo } from '../../system-tools.js';

let tools: Map<SystemToolId, SystemToolInfo> | null = null;

/** The detected tools (decoded once per worker). */
export function detectedTools(): Map<SystemToolId, SystemToolInfo> {
  tools ??= decodeTools(process.env[SYSTEM_TOOLS_ENV]);
  return tools;
}

/** Tests running converters in-process hand the detection result over directly. */
export function setDetectedTools(list: readonly SystemToolInfo[]): void {
  tools = new Map(list.map((t) => [t.id, t]));
}

/** The detected program of `id`; UNAVAILABLE (with the install hint) when it is not there. */
export function toolOf(id: SystemToolId): SystemToolInfo & { path: string } {
  const spec = toolSpec(id)!;
  // Only office/system workers may start programs (and have a private scratch/). A job whose input
  // format was not declared lands in an 'all' worker, which can list these converters but not run them.
  const family = process.env.HERMETIC_WORKER_FAMILY;
  if (family !== undefined && family !== spec.family) {
    throw new ConvertError('NO_CONVERTER', `${spec.name} runs in its own worker: declare the input format (from) or give a file name with its extension`, { converter: id });
  }
  const info = detectedTools().get(id);
  if (!info?.available || !info.path) throw new ConvertError('UNAVAILABLE', info?.reason ?? `${spec.name} was not detected; install it with: sudo apt install ${spec.apt.join(' ')}`, { converter: id });
  return info as SystemToolInfo & { path: string };
}

/** The manifest fields every system converter shares: its pairs, availability and tool. */
export function systemManifest(id: SystemToolId): Pick<ConverterManifest, 'id' | 'title' | 'from' | 'to' | 'pairs' | 'availability' | 'tool'> {
  const spec = toolSpec(id)!;
  const pairs = spec.pairs.map((p) => [p.from, p.to] as const);
  return {
    id, title: spec.title,
    from: [...new Set(spec.pairs.map((p) => p.from))], to: [...new Set(spec.pairs.map((p) => p.to))], pairs,
    availability: (from: FormatId, to: FormatId) => pairAvailability(spec, detectedTools().get(id), from, to),
    tool: () => {
      const info = detectedTools().get(id);
      return { id, name: spec.name, version: info?.version ?? null, apt: [...spec.apt], available: info?.available ?? false, reason: info?.reason ?? `not detected; install it with: sudo apt install ${spec.apt.join(' ')}` };
    },
  };
}

/** The worker's private scratch folder (the worker folder's scratch/, HERMETIC_WORKER_TMP), or a temp folder in tests. */
export function scratchDir(prefix: string): string {
  return mkdtempSync(join(process.env.HERMETIC_WORKER_TMP ?? tmpdir(), `${prefix}-`));
}

/** The environment a tool runs with: the worker's (already the jail's allow-list) plus the private HOME/TMPDIR. */
export function toolEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of ['PATH', 'LANG', 'TZ', 'DO_NOT_TRACK']) { const v = process.env[k]; if (v !== undefined) env[k] = v; }
  return { ...env, HOME: home, TMPDIR: home, LC_ALL: 'C.UTF-8', ...extra };
}

export interface ToolResult { code: number | null; signal: NodeJS.Signals | null; stdout: Buffer; stderr: string }

/**
 * Run a program and collect its output (stdout up to `maxStdout`, the last 8 KiB of stderr).
 * stderr stays in the worker (it may quote the document): callers turn failures into
 * messages of their own.
 */
export function runTool(path: string, args: string[], o: { cwd: string; env: Record<string, string>; input?: string | Buffer; maxStdout?: number }): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, { cwd: o.cwd, env: o.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    const max = o.maxStdout ?? 64 * 1024 * 1024;
    child.stdout.on('data', (b: Buffer) => {
      outBytes += b.length;
      if (outBytes > max) { child.kill('SIGKILL'); return; }
      out.push(b);
    });
    child.stderr.on('data', (b: Buffer) => { err = (err + b.toString('utf8')).slice(-8192); });
    child.once('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ERR_ACCESS_DENIED'
      ? e : new ConvertError('UNAVAILABLE', `${path} could not be started: ${e.message}`)));
    child.once('close', (code, signal) => {
      if (outBytes > max) { reject(new ConvertError('OUTPUT_TOO_LARGE', `the tool wrote more than ${max} bytes`)); return; }
      if (err) process.stderr.write(`[${path}] ${err.slice(-2000)}\n`);
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: err });
    });
    child.stdin.on('error', () => {}); // a tool that exits without reading its input
    child.stdin.end(o.input ?? '');
  });
}

/** Read a tool's result file, refusing one over the output cap before it is loaded. */
export function readResult(file: string, tool: string, opts: { allowEmpty?: boolean } = {}): Buffer {
  let size: number;
  try { size = statSync(file).size; } catch { throw new ConvertError('INVALID_INPUT', `${tool} produced no result`); }
  if (size > LIMITS.maxOutputBytes) throw new ConvertError('OUTPUT_TOO_LARGE', `the result is ${size} bytes (limit ${LIMITS.maxOutputBytes})`);
  if (size === 0 && !opts.allowEmpty) throw new ConvertError('INVALID_INPUT', `${tool} produced an empty result`);
  return readFileSync(file);
}
