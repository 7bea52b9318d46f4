// The dependency graph as installed on disk, found the way Node itself finds packages:
// from each package folder, look in ./node_modules/NAME, then in every parent folder's
// node_modules. Walking the graph (rather than listing node_modules) gives the real
// production/dev split and also finds dependencies hoisted above the audited root.
import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import type { Finding, PackageManifest, PackageNode } from './types.js';

export class ManifestError extends Error {
  readonly code = 'AUDIT_MANIFEST';
}

export function readManifest(dir: string): PackageManifest {
  const file = join(dir, 'package.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ManifestError(`cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as PackageManifest;
  } catch (e) {
    throw new ManifestError(`invalid ${file}: ${(e as Error).message}`);
  }
}

/**
 * The root's manifest; for a folder with node_modules but no package.json (a global install
 * prefix such as /usr/lib, or a tool folder), a stand-in that depends on every installed
 * top-level package, so `--dir` can audit any node_modules.
 */
export function readRootManifest(dir: string): PackageManifest {
  if (existsSync(join(dir, 'package.json')) || !isDir(join(dir, 'node_modules'))) return readManifest(dir);
  const deps: Record<string, string> = {};
  const nm = join(dir, 'node_modules');
  for (const name of readdirSync(nm)) {
    if (name.startsWith('.')) continue;
    if (name.startsWith('@')) {
      for (const sub of readdirSync(join(nm, name))) if (!sub.startsWith('.')) deps[`${name}/${sub}`] = '*';
    } else deps[name] = '*';
  }
  return { name: `(node_modules of ${dir})`, version: '', dependencies: deps };
}

function isDir(p: string): boolean {
  try { return statSync(p).isDirectory(); } catch { return false; }
}

/** Node's lookup: the first FOLDER/node_modules/NAME from `fromDir` up to the filesystem root. */
export function resolvePackageDir(name: string, fromDir: string): string | null {
  let dir = fromDir;
  for (;;) {
    // A package's own folder may itself be named node_modules/x; skip looking in node_modules/node_modules.
    if (!dir.endsWith(`${sep}node_modules`)) {
      const candidate = join(dir, 'node_modules', name);
      if (isDir(candidate) && isFile(join(candidate, 'package.json'))) return realpathSync(candidate);
    }
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

function isFile(p: string): boolean {
  try { return statSync(p).isFile(); } catch { return false; }
}

interface Edge { name: string; optional: boolean }

function runtimeEdges(m: PackageManifest): Edge[] {
  const edges: Edge[] = [];
  const optional = new Set(Object.keys(m.optionalDependencies ?? {}));
  for (const name of Object.keys(m.dependencies ?? {})) edges.push({ name, optional: optional.has(name) });
  for (const name of optional) if (!m.dependencies?.[name]) edges.push({ name, optional: true });
  // Peers are loaded at run time too; npm >= 7 installs them unless marked optional.
  for (const name of Object.keys(m.peerDependencies ?? {})) {
    edges.push({ name, optional: m.peerDependenciesMeta?.[name]?.optional === true });
  }
  return edges;
}

export interface DependencyGraph {
  rootDir: string;
  rootManifest: PackageManifest;
  packages: PackageNode[];
  /** Declared, non-optional dependencies that are not installed (notes). */
  missing: Finding[];
}

/**
 * Walk from the root's dependencies (and devDependencies unless `prod`). A package reached
 * through any production path is production; one reached only through dev paths is dev.
 */
export function buildGraph(root: string, prod: boolean): DependencyGraph {
  const rootDir = realpathSync(root);
  const rootManifest = readRootManifest(rootDir);
  const byDir = new Map<string, PackageNode>();
  const missing: Finding[] = [];
  const rel = (d: string): string => relative(rootDir, d).split(sep).join('/') || '.';

  // Breadth-first, production roots first, so that `dev` is false wherever a prod path exists.
  const visit = (starts: Edge[], dev: boolean): void => {
    const queue: Array<{ edge: Edge; from: string; fromNode: PackageNode | null }> =
      starts.map((edge) => ({ edge, from: rootDir, fromNode: null }));
    // Breadth-first, so the chain recorded for a package is a shortest one.
    while (queue.length) {
      const { edge, from, fromNode } = queue.shift() as (typeof queue)[number];
      const dir = resolvePackageDir(edge.name, from);
      if (!dir) {
        if (!edge.optional) {
          // A direct dependency of the root that is not installed fails the audit: what is not
          // on disk cannot be vouched for (an empty node_modules must not look "clean").
          missing.push({
            rule: 'missing-dependency', level: fromNode ? 'note' : 'error', severity: fromNode ? 'info' : 'high', reachable: true, dev,
            package: fromNode?.name ?? rootManifest.name ?? '(root)', version: fromNode?.version ?? rootManifest.version ?? '',
            packagePath: fromNode ? fromNode.relPath : '.', message: `dependency '${edge.name}' is declared but not installed${fromNode ? '' : ' — it cannot be audited (install dependencies first, e.g. npm ci)'}`, subject: edge.name,
          });
        }
        continue;
      }
      // Already reached: by a production path first (the production walk runs to the end
      // before the dev walk starts), so `dev` never needs to be revised.
      if (byDir.has(dir)) continue;
      let manifest: PackageManifest;
      try { manifest = readManifest(dir); } catch { continue; }
      const node: PackageNode = {
        name: manifest.name ?? edge.name,
        version: manifest.version ?? '0.0.0',
        dir, relPath: rel(dir), dev, manifest,
        chain: [...(fromNode?.chain ?? []), `${manifest.name ?? edge.name}@${manifest.version ?? '0.0.0'}`],
      };
      byDir.set(dir, node);
      for (const e of runtimeEdges(manifest)) queue.push({ edge: e, from: dir, fromNode: node });
    }
  };

  visit(runtimeEdges({ ...rootManifest, peerDependencies: {} }), false);
  // devDependencies are routinely absent (npm install --omit=dev, a global install): not a note.
  if (!prod) visit(Object.keys(rootManifest.devDependencies ?? {}).map((name) => ({ name, optional: true })), true);

  const packages = [...byDir.values()].sort((a, b) => a.relPath.localeCompare(b.relPath));
  return { rootDir, rootManifest, packages, missing };
}
