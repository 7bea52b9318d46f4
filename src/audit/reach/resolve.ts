// Node's module resolution, as far as the audit needs it: a relative specifier to a file, a
// bare specifier to a package folder and then to its entry file(s) through `exports` (every
// target Node could pick: import, require, node, default, module-sync) or `main`.
import { readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { resolvePackageDir } from '../tree.js';

const BUILTINS: ReadonlySet<string> = new Set(builtinModules);
const EXTENSIONS = ['', '.js', '.cjs', '.mjs', '.json', '.node'];
const INDEXES = ['index.js', 'index.cjs', 'index.mjs', 'index.json', 'index.node'];
/** The conditions Node may match (user --conditions included): any of them can be the one used. */
const CONDITIONS: ReadonlySet<string> = new Set(['node', 'import', 'require', 'default', 'module-sync', 'node-addons', 'production', 'development']);

const statCache = new Map<string, 'file' | 'dir' | null>();
function kind(p: string): 'file' | 'dir' | null {
  let k = statCache.get(p);
  if (k === undefined) {
    try { const st = statSync(p); k = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : null; } catch { k = null; }
    statCache.set(p, k);
  }
  return k;
}

interface Manifest { main?: unknown; exports?: unknown; imports?: unknown }
const manifestCache = new Map<string, Manifest | null>();
function manifestOf(dir: string): Manifest | null {
  let m = manifestCache.get(dir);
  if (m === undefined) {
    try { m = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest; } catch { m = null; }
    manifestCache.set(dir, m);
  }
  return m;
}

/** A path as a file: exact, with an extension, or a folder (its package.json main, or index). */
export function resolveFile(p: string): string | null {
  for (const ext of EXTENSIONS) if (kind(p + ext) === 'file') return p + ext;
  if (kind(p) === 'dir') {
    const main = manifestOf(p)?.main;
    if (typeof main === 'string' && main) {
      const viaMain = resolveFile(resolvePath(p, main));
      if (viaMain) return viaMain;
    }
    for (const i of INDEXES) if (kind(join(p, i)) === 'file') return join(p, i);
  }
  return null;
}

function targets(value: unknown, star: string | null): string[] {
  if (typeof value === 'string') return [star === null ? value : value.split('*').join(star)];
  if (Array.isArray(value)) return value.flatMap((v) => targets(v, star));
  if (value && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).flatMap(([cond, v]) => CONDITIONS.has(cond) ? targets(v, star) : []);
  }
  return [];
}

/** Every file `exports` may map `subpath` ('.' or './x') to. */
export function exportsTargets(exportsField: unknown, subpath: string): string[] {
  let map: Record<string, unknown>;
  if (typeof exportsField === 'string' || Array.isArray(exportsField)) map = { '.': exportsField };
  else if (exportsField && typeof exportsField === 'object') {
    const keys = Object.keys(exportsField);
    map = keys.length && keys.every((k) => !k.startsWith('.') && !k.startsWith('#')) ? { '.': exportsField } : exportsField as Record<string, unknown>;
  } else return [];
  if (subpath in map) return targets(map[subpath], null);
  for (const [key, value] of Object.entries(map)) {
    const i = key.indexOf('*');
    if (i < 0) continue;
    const prefix = key.slice(0, i);
    const suffix = key.slice(i + 1);
    if (subpath.startsWith(prefix) && subpath.endsWith(suffix) && subpath.length >= prefix.length + suffix.length) {
      return targets(value, subpath.slice(prefix.length, subpath.length - suffix.length));
    }
  }
  return [];
}

function splitBare(spec: string): { name: string; subpath: string } {
  const parts = spec.split('/');
  const n = spec.startsWith('@') ? 2 : 1;
  const rest = parts.slice(n).join('/');
  return { name: parts.slice(0, n).join('/'), subpath: rest ? `./${rest}` : '.' };
}

const dirCache = new Map<string, string | null>();

/** `#internal` specifiers: the `imports` field of the nearest package.json above the file. */
function resolveImportsField(spec: string, base: string): string[] {
  for (let d = base; ; ) {
    if (kind(join(d, 'package.json')) === 'file') {
      const imports = manifestOf(d)?.imports;
      if (!imports || typeof imports !== 'object') return [];
      // The `imports` map has the same shape as `exports` with '#' keys instead of './' keys.
      return exportsTargets(imports, spec).flatMap((t) => {
        if (!t.startsWith('./')) return resolveSpecifier(t, join(d, 'package.json'));
        const f = resolveFile(resolvePath(d, t));
        return f ? [f] : [];
      });
    }
    const up = dirname(d);
    if (up === d) return [];
    d = up;
  }
}

/** The files a specifier written in `fromFile` can load (several when `exports` has conditions). */
export function resolveSpecifier(spec: string, fromFile: string): string[] {
  if (spec.startsWith('node:') || BUILTINS.has(spec) || /^(?:data|https?|file):/.test(spec)) return [];
  const base = dirname(fromFile);
  if (spec.startsWith('.') || spec.startsWith('/')) {
    const f = resolveFile(resolvePath(base, spec.split('?')[0] as string));
    return f ? [f] : [];
  }
  if (spec.startsWith('#')) return resolveImportsField(spec, base);
  const { name, subpath } = splitBare(spec);
  const key = `${name}\0${base}`;
  let pkgDir = dirCache.get(key);
  if (pkgDir === undefined) { pkgDir = resolvePackageDir(name, base); dirCache.set(key, pkgDir); }
  if (!pkgDir) return [];
  const m = manifestOf(pkgDir);
  if (m?.exports !== undefined && m.exports !== null) {
    return exportsTargets(m.exports, subpath).flatMap((t) => {
      const f = resolveFile(resolvePath(pkgDir as string, t));
      return f ? [f] : [];
    });
  }
  const f = resolveFile(subpath === '.' ? pkgDir : resolvePath(pkgDir, subpath));
  return f ? [f] : [];
}

/** Forget cached file-system answers (a new audit may see a changed tree). */
export function clearResolveCache(): void {
  statCache.clear();
  manifestCache.clear();
  dirCache.clear();
}
