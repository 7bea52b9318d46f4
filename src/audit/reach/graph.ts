// Reachability: which files of which packages our own code can load. Breadth-first from the
// entry files over every specifier each file names (require, static and dynamic import with a
// literal, require.resolve, new URL('./x', import.meta.url), new Worker('./x')). A load by a
// computed name cannot be followed, so the whole folder of the file that does it (and its
// subfolders, within the same package) counts as reachable: unsure means reachable.
import { readFileSync, readdirSync, lstatSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileLoads } from './specifiers.js';
import { resolveSpecifier } from './resolve.js';

const FOLLOWED = /\.(?:c|m)?js$/;

export interface ReachPackage {
  /** Absolute real path of the package folder. */
  dir: string;
  /** Code files relative to `dir` (forward slashes). */
  files: readonly string[];
}

export interface Reachability {
  /** Absolute paths of every reachable file (code, .node, .wasm, .json). */
  files: Set<string>;
  /** Folders of packages with at least one reachable file. */
  packages: Set<string>;
  /** Files (absolute) whose computed loads made their folder reachable. */
  computed: string[];
}

function rootJsFiles(dir: string, out: string[]): void {
  let names: string[];
  try { names = readdirSync(dir); } catch { return; }
  for (const n of names) {
    if (n === 'node_modules' || n.startsWith('.')) continue;
    const p = join(dir, n);
    let st;
    try { st = lstatSync(p); } catch { continue; }
    if (st.isDirectory()) rootJsFiles(p, out);
    else if (st.isFile() && FOLLOWED.test(n)) out.push(p);
  }
}

export function computeReachability(entries: readonly string[], packages: readonly ReachPackage[]): Reachability {
  const byDir = new Map(packages.map((p) => [p.dir, p]));
  const owner = (file: string): ReachPackage | null => {
    for (let d = dirname(file); ; ) {
      const p = byDir.get(d);
      if (p) return p;
      const up = dirname(d);
      if (up === d || d.endsWith(`${sep}node_modules`)) return null;
      d = up;
    }
  };
  const files = new Set<string>();
  const reached = new Set<string>();
  const computed: string[] = [];
  const queue: string[] = [];
  const add = (f: string): void => {
    if (files.has(f)) return;
    files.add(f);
    const p = owner(f);
    if (p) reached.add(p.dir);
    if (FOLLOWED.test(f) || !/\.[a-z0-9]+$/i.test(f)) queue.push(f);
  };
  for (const e of entries) add(e);
  while (queue.length) {
    const file = queue.pop() as string;
    let text: string;
    try { text = readFileSync(file, 'utf8'); } catch { continue; }
    const loads = fileLoads(text);
    for (const spec of loads.specifiers) for (const target of resolveSpecifier(spec, file)) add(target);
    if (loads.computed) {
      computed.push(file);
      const folder = dirname(file);
      const pkg = owner(file);
      if (pkg) {
        const rel = folder === pkg.dir ? '' : `${folder.slice(pkg.dir.length + 1).split(sep).join('/')}/`;
        for (const f of pkg.files) if (f.startsWith(rel)) add(join(pkg.dir, f));
      } else {
        const list: string[] = [];
        rootJsFiles(folder, list);
        for (const f of list) add(f);
      }
    }
  }
  return { files, packages: reached, computed };
}
