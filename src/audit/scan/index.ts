// Scan one file's text: pre-filter, parse (module or script), AST rules; or, for a file
// too large to parse, the lexical rules with a note saying so.
import { astFindings, parseSource, type ParseMode } from './ast.js';
import type { ParseCache } from './cache.js';
import { hostFindings } from './hosts.js';
import { hasTrigger, lexicalFindings, urlHosts } from './lexical.js';
import type { RawFinding } from './raw.js';

export type { RawFinding } from './raw.js';
export { parseSource } from './ast.js';
export { hasTrigger } from './lexical.js';
export { hostFindings, hostGroup, type HostGroup } from './hosts.js';
export { ParseCache } from './cache.js';

export interface FileScanOptions {
  /** Grammar to try first (the other is the fallback). */
  prefer: ParseMode;
  /** Parse even when the pre-filter finds no trigger token. */
  deep: boolean;
  maxParseBytes: number;
  /**
   * The file is reachable from the project's entry points. An unreachable file can only ever
   * be medium or info, so it gets the lexical rules (no parse) unless `deep` is set.
   */
  reachable: boolean;
  /** Where AST findings of unchanged files are remembered (opt-in). */
  cache?: ParseCache | null;
}

export interface FileScanResult {
  findings: RawFinding[];
  how: 'parsed' | 'prefiltered' | 'lexical-only' | 'parse-failed' | 'unreachable-lexical';
}

export function scanText(text: string, bytes: number, opts: FileScanOptions, hosts: Set<string>): FileScanResult {
  urlHosts(text, hosts);
  const r = scanCode(text, bytes, opts);
  r.findings.push(...hostFindings(text));
  return r;
}

function scanCode(text: string, bytes: number, opts: FileScanOptions): FileScanResult {
  if (!opts.reachable && !opts.deep) return { findings: hasTrigger(text) ? lexicalFindings(text) : [], how: 'unreachable-lexical' };
  if (bytes > opts.maxParseBytes) {
    const findings = lexicalFindings(text);
    findings.push({ rule: 'lexical-scan', subject: 'size', message: `${(bytes / 1048576).toFixed(1)} MiB is over the ${(opts.maxParseBytes / 1048576).toFixed(0)} MiB parse limit: lexical rules only` });
    return { findings, how: 'lexical-only' };
  }
  if (!opts.deep && !hasTrigger(text)) return { findings: [], how: 'prefiltered' };
  const key = opts.cache ? opts.cache.key(text, opts.prefer) : null;
  const cached = key && opts.cache ? opts.cache.get(key) : null;
  if (cached) return { findings: cached, how: 'parsed' };
  const r = parseAndWalk(text, opts);
  if (key && opts.cache && r.how === 'parsed') opts.cache.set(key, r.findings);
  return r;
}

function parseAndWalk(text: string, opts: FileScanOptions): FileScanResult {
  const parsed = parseSource(text, opts.prefer);
  if (!parsed.ok) {
    const findings = lexicalFindings(text);
    findings.push({ rule: 'parse-failure', subject: 'parse', message: `not parseable as module or script (${parsed.error}); lexical rules only` });
    return { findings, how: 'parse-failed' };
  }
  return { findings: astFindings(parsed.ast, text), how: 'parsed' };
}
