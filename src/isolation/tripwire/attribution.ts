// Who made the call: the first stack frame outside the tripwire and Node's internals, turned
// into a package name (`node_modules/<name>` or `node_modules/@scope/name`; "app" for our own
// code). Only runs when an attempt is recorded, never on an allowed hot path.
import { dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This folder (dist/src/isolation/tripwire): frames from here are the guard, not the culprit. */
const TRIPWIRE_DIR = dirname(fileURLToPath(import.meta.url)) + sep;

export interface Frame {
  file: string;
  fn: string;
  line: number;
  column: number;
}

export interface Culprit {
  package: string;
  stackTop?: string;
  /** The Node-internal frame the culprit called into (e.g. file 'node:https', fn 'request'). */
  entry?: Frame;
}

/** Capture the current stack as structured frames (innermost first). */
export function captureFrames(): Frame[] {
  const prevLimit = Error.stackTraceLimit;
  const prevPrepare = Error.prepareStackTrace;
  try {
    // Deep enough to climb out of http → agent → tls → net; restored straight away.
    Error.stackTraceLimit = 64;
    Error.prepareStackTrace = (_e, sites) => sites;
    const holder: { stack?: NodeJS.CallSite[] } = {};
    Error.captureStackTrace(holder);
    const sites = holder.stack ?? [];
    return sites.map((s) => ({
      file: String(s.getFileName() ?? s.getScriptNameOrSourceURL() ?? ''),
      fn: String(s.getFunctionName() ?? s.getMethodName() ?? ''),
      line: s.getLineNumber() ?? 0,
      column: s.getColumnNumber() ?? 0,
    }));
  } finally {
    Error.stackTraceLimit = prevLimit;
    Error.prepareStackTrace = prevPrepare;
  }
}

export function isInternalFile(file: string): boolean {
  return file === '' || file.startsWith('node:') || file.startsWith('internal/') || file === 'native';
}

function toPath(file: string): string {
  if (file.startsWith('file://')) {
    try { return fileURLToPath(file); } catch { return file; }
  }
  return file;
}

export function isTripwireFile(file: string): boolean {
  return toPath(file).startsWith(TRIPWIRE_DIR);
}

/** `…/node_modules/@scope/name/lib/x.js` → `@scope/name`; no node_modules → "app". */
export function packageFromPath(fileOrUrl: string): string {
  const p = toPath(fileOrUrl).split(sep).join('/');
  const i = p.lastIndexOf('/node_modules/');
  if (i < 0) return 'app';
  const parts = p.slice(i + '/node_modules/'.length).split('/');
  const first = parts[0] ?? '';
  if (first.startsWith('@') && parts[1]) return `${first}/${parts[1]}`;
  return first || 'app';
}

function formatFrame(f: Frame): string {
  return `${f.fn || '<anonymous>'} (${toPath(f.file)}:${f.line}:${f.column})`;
}

/** The culprit of the current call, from frames captured inside a hook. */
export function culpritFromFrames(frames: Frame[]): Culprit {
  let entry: Frame | undefined;
  for (const f of frames) {
    if (isTripwireFile(f.file)) continue;
    if (isInternalFile(f.file)) { entry = f; continue; }
    return { package: packageFromPath(f.file), stackTop: formatFrame(f), entry };
  }
  // Only internal frames: Node itself on a later tick (e.g. a pooled agent socket).
  return { package: 'node-internal', entry };
}

export function currentCulprit(): Culprit {
  return culpritFromFrames(captureFrames());
}
