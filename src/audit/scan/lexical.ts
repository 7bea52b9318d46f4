// Cheap text rules. Two uses:
//  1. A pre-filter: a file that contains none of the trigger tokens cannot produce an AST
//     finding (every AST rule is anchored on one of these tokens), so it is not parsed.
//  2. The fallback for files too large to parse: the same patterns, reported with a note
//     that only lexical rules were applied.
import { NETWORK_PROGRAMS } from '../../signatures/index.js';
import { GLOBAL_OBJECTS, NETWORK_GLOBALS, classifySpecifier, moduleRoot, networkProgramIn, signatureOf } from './lexicon.js';
import type { RawFinding } from './raw.js';
import type { RuleId } from '../types.js';

// The closing quote is a lookahead so that it can open the next string ('a''http').
const QUOTED = /['"`]([@\w.\-/:]{1,214})(?=['"`])/g;
const GLOBALS_RE = new RegExp(`\\b(?:${[...NETWORK_GLOBALS, 'sendBeacon'].join('|')})\\b`);
// process.binding / internalBinding / process.dlopen; require/import of a computed name; eval /
// Function; globalThis[…]; identifiers written with \u escapes (which would hide a name from
// the other patterns).
const OTHER_TRIGGERS = /\bdlopen\b|\b(?:globalThis|global|window|self)\s*\[|\bbinding\b|[Bb]inding\s*\(|(?:require|import|_load)\s*\(\s*[^'"\s)]|\beval\s*\(|\bFunction\s*\(|\\u[{0-9a-fA-F]/;
const PROGRAMS = NETWORK_PROGRAMS.join('|');
// A string that is a command line starting with a network program ('curl -s …'), or a
// spawn-like call whose first argument names one.
const PROGRAM_TRIGGER = new RegExp(`['"\`]\\s*(?:/[\\w./-]*/)?(?:${PROGRAMS})\\s|\\b(?:exec|execSync|execFile|execFileSync|spawn|spawnSync|fork)\\s*\\(\\s*['"\`](?:/[\\w./-]*/)?(?:${PROGRAMS})['"\`\\s]`);

/** True when the text could contain something an AST rule reports. */
export function hasTrigger(text: string): boolean {
  if (GLOBALS_RE.test(text) || OTHER_TRIGGERS.test(text) || PROGRAM_TRIGGER.test(text)) return true;
  QUOTED.lastIndex = 0;
  for (let m = QUOTED.exec(text); m; m = QUOTED.exec(text)) {
    if (classifySpecifier(m[1] as string)) return true;
  }
  return false;
}

const URL_RE = /['"`](?:https?|wss?|ftp):\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)/g;

/** Hosts named in quoted URL literals (information for the report, not a finding). */
export function urlHosts(text: string, into: Set<string>): void {
  URL_RE.lastIndex = 0;
  for (let m = URL_RE.exec(text); m; m = URL_RE.exec(text)) {
    const host = (m[1] as string).toLowerCase();
    if (host && host !== 'localhost' && !host.startsWith('127.') && host !== '[::1]') into.add(host);
  }
}

function lineCol(text: string, index: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) { line++; last = i; }
  return { line, column: index - last };
}

const IMPORT_RE = /(?:\brequire\s*\(|\bfrom\s*|\bimport\s*\(?)\s*['"`]([^'"`\n]{1,214})['"`]/g;
const GLOBAL_USE_RE = new RegExp(`(?:\\bnew\\s+(${[...NETWORK_GLOBALS].join('|')})\\b|\\b(fetch|importScripts)\\s*\\(|\\b(?:${[...GLOBAL_OBJECTS].join('|')})\\.(${[...NETWORK_GLOBALS].join('|')})\\b|\\bnavigator\\.(sendBeacon)\\b)`, 'g');
// globalThis[expr] where expr is not a single plain string literal.
const DYNAMIC_GLOBAL_RE = /\b(globalThis|global|window|self)\s*\[(?!\s*['"`][\w$]*['"`]\s*\])/g;
const SPAWN_RE = /\b(?:exec|execSync|execFile|execFileSync|spawn|spawnSync)\s*\(\s*['"`]([^'"`\n]{1,200})['"`]/g;

/** The lexical version of the AST rules, for files that are not parsed. */
export function lexicalFindings(text: string): RawFinding[] {
  const out: RawFinding[] = [];
  const seen = new Set<string>();
  const add = (f: RawFinding, index: number): void => {
    const key = `${f.rule}\0${f.subject ?? ''}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ ...f, ...lineCol(text, index) });
  };
  IMPORT_RE.lastIndex = 0;
  for (let m = IMPORT_RE.exec(text); m; m = IMPORT_RE.exec(text)) {
    const spec = m[1] as string;
    const kind = classifySpecifier(spec);
    if (kind === 'network-builtin' || kind === 'network-package') add({ rule: 'network-module', subject: moduleRoot(spec) ?? spec, message: `imports '${spec}' (lexical match)` }, m.index);
    else if (kind === 'p2p') add({ rule: 'p2p-import', subject: moduleRoot(spec) ?? spec, message: `imports P2P module '${spec}' (lexical match)` }, m.index);
    else if (kind === 'signature') {
      const pkg = moduleRoot(spec) ?? spec;
      const sig = signatureOf(pkg);
      if (sig) add({ rule: `signature/${sig.category}` as RuleId, subject: pkg, message: `imports '${spec}' (${sig.why}; lexical match)` }, m.index);
    } else if (kind === 'child_process') add({ rule: 'child-process', subject: 'child_process', message: 'imports child_process (lexical match)' }, m.index);
  }
  GLOBAL_USE_RE.lastIndex = 0;
  for (let m = GLOBAL_USE_RE.exec(text); m; m = GLOBAL_USE_RE.exec(text)) {
    const name = (m[1] ?? m[2] ?? m[3] ?? m[4]) as string;
    add({ rule: 'network-global', subject: name, message: `uses ${name} (lexical match)` }, m.index);
  }
  DYNAMIC_GLOBAL_RE.lastIndex = 0;
  for (let m = DYNAMIC_GLOBAL_RE.exec(text); m; m = DYNAMIC_GLOBAL_RE.exec(text)) {
    add({ rule: 'dynamic-access', subject: `${m[1] as string}[…]`, message: `${m[1] as string}[…] reads a global by a computed name (lexical match)` }, m.index);
  }
  SPAWN_RE.lastIndex = 0;
  for (let m = SPAWN_RE.exec(text); m; m = SPAWN_RE.exec(text)) {
    const prog = networkProgramIn(m[1] as string);
    if (prog) add({ rule: 'network-program', subject: prog, message: `starts '${prog}' (lexical match)` }, m.index);
  }
  return out;
}
