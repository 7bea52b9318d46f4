// The files that belong to one package: everything under its folder except nested
// node_modules (those are packages of their own, audited when the graph reaches them).
import { closeSync, lstatSync, openSync, readSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface PackageFiles {
  /** .js / .mjs / .cjs, relative to the package folder with forward slashes. */
  code: string[];
  /** Native code: Node addons (.node), shared libraries (.so, .dylib, .dll), executables (ELF, Mach-O, PE). */
  native: string[];
  /** Names directly in the package folder (for binding.gyp and the like). */
  topLevel: string[];
  /** Total size of the code files (to schedule the biggest packages first). */
  codeBytes: number;
}

const CODE = /\.(?:c|m)?js$/;
const NATIVE = /\.(?:node|so(?:\.\d+)*|dylib|dll)$/;

export function listPackageFiles(dir: string): PackageFiles {
  const code: string[] = [];
  const native: string[] = [];
  let topLevel: string[] = [];
  let codeBytes = 0;
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
        if (CODE.test(name)) { code.push(r); codeBytes += st.size; }
        else if (NATIVE.test(name)) native.push(r);
        else if ((st.mode & 0o111) !== 0) {
          // Executables without a .js name: node scripts (bin/acorn) are code; binaries are native.
          const kind = executableKind(p);
          if (kind === 'native') native.push(r);
          else if (kind === 'node-script') { code.push(r); codeBytes += st.size; }
        }
      }
    }
  };
  walk(dir, '', 0);
  code.sort();
  native.sort();
  return { code, native, topLevel, codeBytes };
}

/** What an executable file is, from its first bytes: a native binary (ELF, Mach-O, PE), a node script (#! … node), or something else. */
function executableKind(path: string): 'native' | 'node-script' | null {
  const buf = Buffer.alloc(128);
  let n = 0;
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r');
    n = readSync(fd, buf, 0, buf.length, 0);
  } catch {
    return null;
  } finally {
    if (fd !== null) closeSync(fd);
  }
  if (n < 4) return null;
  const m = buf.readUInt32BE(0);
  if (m === 0x7f454c46 /* \x7fELF */ || m === 0xcffaedfe || m === 0xcefaedfe || m === 0xfeedfacf || m === 0xfeedface
    || (buf[0] === 0x4d && buf[1] === 0x5a) /* MZ */) return 'native';
  const firstLine = buf.subarray(0, n).toString('latin1').split('\n')[0] ?? '';
  return firstLine.startsWith('#!') && /\bnode\b/.test(firstLine) ? 'node-script' : null;
}
