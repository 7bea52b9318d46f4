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
        else if ((st.mode & 0o111) !== 0 && isBinaryExecutable(p)) native.push(r);
      }
    }
  };
  walk(dir, '', 0);
  code.sort();
  native.sort();
  return { code, native, topLevel };
}

/** ELF, Mach-O (thin) or PE magic at the start of an executable file. */
function isBinaryExecutable(path: string): boolean {
  const buf = Buffer.alloc(4);
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r');
    if (readSync(fd, buf, 0, 4, 0) < 2) return false;
  } catch {
    return false;
  } finally {
    if (fd !== null) closeSync(fd);
  }
  const m = buf.readUInt32BE(0);
  return m === 0x7f454c46 /* \x7fELF */ || m === 0xcffaedfe || m === 0xcefaedfe || m === 0xfeedfacf || m === 0xfeedface
    || (buf[0] === 0x4d && buf[1] === 0x5a) /* MZ */;
}
