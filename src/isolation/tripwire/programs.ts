// Which program a child_process call would start, and whether it is a network client. Shell
// strings are split into simple commands so `cd /tmp && curl …` and `sh -c "wget …"` are seen;
// wrappers such as `env`, `timeout`, `nohup` and `busybox` are looked through.
import { basename } from 'node:path';
import { NETWORK_PROGRAMS } from '../../signatures/index.js';

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'ash', 'busybox-sh']);
/** Programs that run their first non-option argument as the real command. */
const WRAPPERS = new Set(['env', 'command', 'exec', 'nohup', 'nice', 'ionice', 'timeout', 'stdbuf', 'sudo', 'doas', 'xargs', 'setsid', 'chroot', 'unbuffer', 'busybox', 'time', 'strace', 'ltrace', 'torsocks', 'proxychains', 'proxychains4']);
/** `openssl` subcommands that open a connection. */
const OPENSSL_NETWORK = new Set(['s_client', 's_time', 'ocsp']);

export function programName(file: string): string {
  return basename(file).replace(/\.(exe|cmd|bat)$/i, '').toLowerCase();
}

/** Split a shell command line into words of simple commands (quotes honoured, no expansion). */
export function shellCommands(line: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  const endWord = () => { if (inWord) words.push(word); word = ''; inWord = false; };
  const endCommand = () => { endWord(); if (words.length) commands.push(words); words = []; };
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) { word += line[++i]; }
      else word += c;
      continue;
    }
    if (c === '"' || c === "'") { quote = c; inWord = true; continue; }
    if (c === '\\' && i + 1 < line.length) { word += line[++i]; inWord = true; continue; }
    if (c === ' ' || c === '\t') { endWord(); continue; }
    if (c === ';' || c === '&' || c === '|' || c === '\n' || c === '(' || c === ')' || c === '`') { endCommand(); continue; }
    if (c === '$' && line[i + 1] === '(') { endCommand(); i++; continue; }
    word += c; inWord = true;
  }
  endCommand();
  return commands;
}

/** The network program (e.g. "curl", "openssl s_client") this argv would run, or null. */
export function networkProgramIn(argv: string[], depth = 0): string | null {
  if (depth > 4) return null;
  let i = 0;
  // Leading VAR=value assignments.
  while (i < argv.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(argv[i] as string)) i++;
  const file = argv[i];
  if (file === undefined) return null;
  const name = programName(file);
  const rest = argv.slice(i + 1);
  if (NETWORK_PROGRAMS.includes(name)) return name;
  if (name === 'openssl') {
    const sub = rest.find((a) => !a.startsWith('-'));
    return sub && OPENSSL_NETWORK.has(sub) ? `openssl ${sub}` : null;
  }
  if (SHELLS.has(name)) {
    const c = rest.indexOf('-c');
    const script = c >= 0 ? rest[c + 1] : rest.find((a) => /^-[a-z]*c[a-z]*$/.test(a)) ? rest[rest.findIndex((a) => /^-[a-z]*c[a-z]*$/.test(a)) + 1] : undefined;
    return script !== undefined ? networkProgramInShell(script, depth + 1) : null;
  }
  if (WRAPPERS.has(name)) {
    // Skip the wrapper's own options and (for timeout) its duration.
    let j = 0;
    while (j < rest.length && ((rest[j] as string).startsWith('-') || (name === 'timeout' && j === 0 && /^\d/.test(rest[j] as string)) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(rest[j] as string))) j++;
    return networkProgramIn(rest.slice(j), depth + 1);
  }
  return null;
}

export function networkProgramInShell(line: string, depth = 0): string | null {
  for (const words of shellCommands(line)) {
    const hit = networkProgramIn(words, depth);
    if (hit) return hit;
  }
  return null;
}
