// Scan one file's text: pre-filter, parse (module or script), AST rules; or, for a file
// too large to parse, the lexical rules with a note saying so.
import { astFindings, parseSource, type ParseMode } from './ast.js';
import { hasTrigger, lexicalFindings, urlHosts } from './lexical.js';
import type { RawFinding } from './raw.js';

export type { RawFinding } from './raw.js';
export { parseSource } from './ast.js';
export { hasTrigger } from './lexical.js';

export interface FileScanOptions {
  /** Grammar to try first (the other is the fallback). */
  prefer: ParseMode;
  /** Parse even when the pre-filter finds no trigger token. */
  deep: boolean;
  maxParseBytes: number;
}

export interface FileScanResult {
  findings: RawFinding[];
  how: 'parsed' | 'prefiltered' | 'lexical-only' | 'parse-failed';
}

export function scanText(text: string, bytes: number, opts: FileScanOptions, hosts: Set<string>): FileScanResult {
  urlHosts(text, hosts);
  if (bytes > opts.maxParseBytes) {
    const findings = lexicalFindings(text);
    findings.push({ rule: 'lexical-scan', subject: 'size', message: `${(bytes / 1048576).toFixed(1)} MiB is over the ${(opts.maxParseBytes / 1048576).toFixed(0)} MiB parse limit: lexical rules only` });
    return { findings, how: 'lexical-only' };
  }
  if (!opts.deep && !hasTrigger(text)) return { findings: [], how: 'prefiltered' };
  const parsed = parseSource(text, opts.prefer);
  if (!parsed.ok) {
    const findings = lexicalFindings(text);
    findings.push({ rule: 'parse-failure', subject: 'parse', message: `not parseable as module or script (${parsed.error}); lexical rules only` });
    return { findings, how: 'parse-failed' };
  }
  return { findings: astFindings(parsed.ast, text), how: 'parsed' };
}
