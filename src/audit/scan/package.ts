// Scan every code file of one package. Shared by the in-thread audit and the worker threads.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
  for (const rel of task.files) {
    let buf: Buffer;
    try { buf = readFileSync(join(task.dir, rel)); } catch { continue; }
    out.files++;
    out.bytes += buf.length;
    const prefer = rel.endsWith('.mjs') ? 'module' : rel.endsWith('.cjs') ? 'script' : task.isModulePkg ? 'module' : 'script';
    const r: FileScanResult = scanText(buf.toString('utf8'), buf.length, { prefer, deep: task.deep, maxParseBytes: task.maxParseBytes, reachable: reachable ? reachable.has(rel) : true }, hosts);
    if (r.how === 'parsed') out.parsed++;
    else if (r.how === 'lexical-only') out.lexicalOnly++;
    else if (r.how === 'parse-failed') out.parseFailures++;
    else if (r.how === 'unreachable-lexical') out.unreachableLexical++;
    for (const raw of r.findings) out.findings.push({ file: rel, raw });
  }
  out.hosts = [...hosts].sort();
  return out;
}
