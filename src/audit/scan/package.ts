// Scan every code file of one package. Shared by the in-thread audit and the worker threads.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ParseCache } from './cache.js';
import { scanText, type FileScanResult } from './index.js';
import type { RawFinding } from './raw.js';

export interface PackageScanTask {
  /** Position in the audit's package list, so results can be put back in order. */
  index: number;
  dir: string;
  files: string[];
  /** package.json says "type": "module": .js files are tried as ESM first. */
  isModulePkg: boolean;
  deep: boolean;
  maxParseBytes: number;
  /** Files (relative) reachable from the project's entry points; null: reachability unknown, all count. */
  reachable: string[] | null;
  /** Folder of the opt-in AST cache, or null. */
  cacheDir: string | null;
}

export interface PackageScanResult {
  index: number;
  findings: Array<{ file: string; raw: RawFinding }>;
  files: number;
  bytes: number;
  parsed: number;
  lexicalOnly: number;
  parseFailures: number;
  /** Files skipped for the AST because they are unreachable (lexical rules only). */
  unreachableLexical: number;
  hosts: string[];
}

export function scanPackage(task: PackageScanTask): PackageScanResult {
  const out: PackageScanResult = { index: task.index, findings: [], files: 0, bytes: 0, parsed: 0, lexicalOnly: 0, parseFailures: 0, unreachableLexical: 0, hosts: [] };
  const hosts = new Set<string>();
  const reachable = task.reachable ? new Set(task.reachable) : null;
  const cache = task.cacheDir ? cacheFor(task.cacheDir) : null;
  for (const rel of task.files) {
    let buf: Buffer;
    try { buf = readFileSync(join(task.dir, rel)); } catch { continue; }
    out.files++;
    out.bytes += buf.length;
    const prefer = rel.endsWith('.mjs') ? 'module' : rel.endsWith('.cjs') ? 'script' : task.isModulePkg ? 'module' : 'script';
    const text = buf.toString('utf8');
    const r: FileScanResult = scanText(text, buf.length, { prefer, deep: task.deep, maxParseBytes: task.maxParseBytes, reachable: reachable ? reachable.has(rel) : true, cache }, hosts);
    if (r.how === 'parsed') out.parsed++;
    else if (r.how === 'lexical-only') out.lexicalOnly++;
    else if (r.how === 'parse-failed') out.parseFailures++;
    else if (r.how === 'unreachable-lexical') out.unreachableLexical++;
    for (const raw of r.findings) out.findings.push({ file: rel, raw: raw.line !== undefined ? { ...raw, snippet: snippetAt(text, raw.line, raw.column ?? 1) } : raw });
  }
  out.hosts = [...hosts].sort();
  return out;
}

const caches = new Map<string, ParseCache>();
function cacheFor(dir: string): ParseCache {
  let c = caches.get(dir);
  if (!c) caches.set(dir, (c = new ParseCache(dir)));
  return c;
}

const SNIPPET_MAX = 120;

/** One line of evidence: the source line, trimmed; on minified lines a window around the column. */
export function snippetAt(text: string, line: number, column: number): string {
  let start = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) return '';
    start = nl + 1;
  }
  let end = text.indexOf('\n', start);
  if (end < 0) end = text.length;
  const full = text.slice(start, end).replace(/\r$/, '');
  if (full.trim().length <= SNIPPET_MAX) return full.trim();
  const from = Math.max(0, column - 1 - 40);
  return `…${full.slice(from, from + SNIPPET_MAX).trim()}…`;
}
