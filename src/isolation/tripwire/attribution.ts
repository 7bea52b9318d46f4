// Who made the call: the first stack frame outside the tripwire and Node's internals, turned
// into a package name (`node_modules/<name>` or `node_modules/@scope/name`; "app" for our own
// code). Only runs when an attempt is recorded, never on an allowed hot path.
// A frame in our bundled worker (dist/bundle/worker, scripts/bundle.mjs) is mapped back to the
// file it came from through the bundle's source map, read only then: the package is named as if
// the worker ran its modules one by one. Only our own bundle's maps are trusted: a package's own
// source map could claim its code came from another package.
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This folder (dist/src/isolation/tripwire, or dist/bundle/tripwire): frames from here are the guard, not the culprit. */
const TRIPWIRE_DIR = dirname(fileURLToPath(import.meta.url)) + sep;
/** …/dist/bundle/worker/: our bundled converter worker, found from wherever this file is in dist/. */
const WORKER_BUNDLE_DIR = ((): string => {
  const i = TRIPWIRE_DIR.lastIndexOf(`${sep}dist${sep}`);
  return i < 0 ? '' : `${TRIPWIRE_DIR.slice(0, i)}${sep}dist${sep}bundle${sep}worker${sep}`;
})();

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

const maps = new Map<string, SourceMap | null>();

/** The source file a frame of our worker bundle came from (absolute path), or null. */
export function bundledSource(frame: Pick<Frame, 'file' | 'line' | 'column'>, bundleDir = WORKER_BUNDLE_DIR): string | null {
  const file = toPath(frame.file);
  if (!bundleDir || !file.startsWith(bundleDir) || frame.line < 1) return null;
  let map = maps.get(file);
  if (map === undefined) {
    try { map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]); } catch { map = null; }
    maps.set(file, map);
  }
  // CallSite positions are 1-based; the map's are 0-based.
  const entry = map?.findEntry(frame.line - 1, Math.max(0, frame.column - 1));
  const source = entry && 'originalSource' in entry ? entry.originalSource : undefined;
  if (!source) return null;
  return resolve(dirname(file), source.startsWith('file://') ? fileURLToPath(source) : source);
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
    const source = bundledSource(f);
    return { package: packageFromPath(source ?? f.file), stackTop: formatFrame(f) + (source ? ` [${source}]` : ''), entry };
  }
  // Only internal frames: Node itself on a later tick (e.g. a pooled agent socket).
  return { package: 'node-internal', entry };
}

export function currentCulprit(): Culprit {
  return culpritFromFrames(captureFrames());
}
