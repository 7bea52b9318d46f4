// The files that belong to one package: everything under its folder except nested
// node_modules (those are packages of their own, audited when the graph reaches them).
import { readdirSync, lstatSync } from 'node:fs';
import { join } from 'node:path';

export interface PackageFiles {
  /** .js / .mjs / .cjs, relative to the package folder with forward slashes. */
  code: string[];
  /** Native code: Node addons (.node) and shared libraries (.so, .dylib, .dll). */
  native: string[];
  /** Names directly in the package folder (for binding.gyp and the like). */
  topLevel: string[];
}

const CODE = /\.(?:c|m)?js$/;
const NATIVE = /\.(?:node|so(?:\.\d+)*|dylib|dll)$/;

export function listPackageFiles(dir: string): PackageFiles {
  const code: string[] = [];
  const native: string[] = [];
  let topLevel: string[] = [];
  const walk = (abs: string, rel: string, depth: number): void => {
    let names: string[];
    try { names = readdirSync(abs); } catch { return; }
    if (depth === 0) topLevel = names;
    for (const name of names) {
      if (name === 'node_modules' || name === '.git') continue;
      const p = join(abs, name);
      const r = rel ? `${rel}/${name}` : name;
      let st;
      try { st = lstatSync(p); } catch { continue; }
      // Symlinks are not followed: they could point anywhere (or loop).
      if (st.isDirectory()) walk(p, r, depth + 1);
      else if (st.isFile()) {
        if (CODE.test(name)) code.push(r);
        else if (NATIVE.test(name)) native.push(r);
      }
    }
  };
  walk(dir, '', 0);
  code.sort();
  native.sort();
  return { code, native, topLevel };
}
