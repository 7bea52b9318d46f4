// The data dir is trusted with the token, config.json (which can move the converters folder,
// turn on file-name logging, change the bind address) and server.json. Another local user who
// can write into it — or who owns it, or a folder above it — owns the server. So, like ssh with
// ~/.ssh, we check before we read anything there, and refuse to start with the fix in the message:
//   - the folder (after following a --data-dir symlink, which must itself be ours or root's)
//     must be a directory owned by us and not writable by group or others;
//   - every folder above it must be owned by us or root, and not writable by group or others
//     unless it has the sticky bit (/tmp): otherwise the data dir itself could be swapped;
//   - files in it are opened with O_NOFOLLOW, checked with fstat on the open descriptor (ours,
//     a regular file, not writable by others), and written by creating a new file with O_EXCL
//     and renaming it into place — rename replaces a planted symlink, it never writes through it.
// A pre-existing data dir that others may read (0755) is tightened to 0700.
import { closeSync, constants, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, readSync, realpathSync, renameSync, rmSync, statSync, writeSync, chmodSync, type Stats } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';

export class DataDirError extends Error {
  readonly code = 'DATA_DIR_UNSAFE';
  readonly exitCode = 2;
}

const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = constants.O_NONBLOCK ?? 0; // a planted FIFO must not hang the read
const myUid = (): number | null => (typeof process.getuid === 'function' ? process.getuid() : null);
const octal = (mode: number) => (mode & 0o7777).toString(8).padStart(4, '0');
const who = (uid: number) => `uid ${uid}`;

/**
 * Inside a user namespace (paranoid mode's jailed server, `hermetic prove`'s trap) every owner
 * that is not mapped into it — root included — shows as the overflow uid. For folders ABOVE the
 * data dir (/, /tmp, /home) that is almost always root: accepted there, never for the data dir
 * or its files, which must be ours. null outside a user namespace.
 */
let unmapped: number | null | undefined;
function unmappedUid(): number | null {
  if (unmapped !== undefined) return unmapped;
  unmapped = null;
  try {
    const map = readFileSync('/proc/self/uid_map', 'utf8').trim();
    if (!/^0\s+0\s+4294967295$/.test(map)) unmapped = Number(readFileSync('/proc/sys/kernel/overflowuid', 'utf8').trim());
  } catch { /* not Linux, or no /proc: no user namespace to account for */ }
  return unmapped;
}

function ownerProblem(st: Stats, what: string, allowRoot: boolean): string | null {
  const me = myUid();
  if (me === null) return null; // Windows: no uids; ACLs are out of scope here
  if (st.uid === me || (allowRoot && (st.uid === 0 || st.uid === unmappedUid()))) return null;
  return `${what} is owned by ${who(st.uid)}, not you (${who(me)})`;
}

function writableProblem(st: Stats, what: string, fix: string): string | null {
  if (myUid() === null) return null;
  if ((st.mode & 0o002) !== 0) return `${what} is writable by other users (mode ${octal(st.mode)}); fix: ${fix}`;
  if ((st.mode & 0o020) !== 0) return `${what} is writable by its group (mode ${octal(st.mode)}); fix: ${fix}`;
  return null;
}

/** The folders above `real` (a real path): owned by us or root, not writable by others unless sticky. */
function checkAncestors(real: string, label: string): void {
  for (let d = dirname(real); ; d = dirname(d)) {
    const st = statSync(d);
    const owner = ownerProblem(st, `the folder ${d} above the ${label}`, true);
    if (owner) throw new DataDirError(`${owner}: whoever owns it can replace the ${label}; use a ${label} under a folder you own`);
    const sticky = (st.mode & 0o1000) !== 0; // S_ISVTX: only a file's owner may rename or remove it
    if (!sticky) {
      const w = writableProblem(st, `the folder ${d} above the ${label}`, `chmod go-w ${d}, or use a ${label} under a folder only you can write`);
      if (w) throw new DataDirError(`${w} — another user could replace the ${label}`);
    }
    if (dirname(d) === d) break;
  }
}

export interface DataDirState {
  /** The folder as given (absolute). */
  path: string;
  /** Where it really is (symlinks resolved); null when it does not exist yet. */
  realPath: string | null;
  /** Permission bits when it exists. */
  mode: number | null;
}

/** What a private folder holds, for the messages: the data dir, the converters folder. */
export interface FolderRole {
  label: string;
  /** What another user could plant there, e.g. "a token or config.json". */
  plants: string;
  /** The option that names another folder, e.g. "--data-dir". */
  option: string;
  /**
   * Check the folders above it too (default true). Without that check, a folder swapped in
   * through a writable parent still fails the owner checks on the folder and on every file; the
   * parent check is defence in depth where it can be made (a jailed worker may not stat them).
   */
  ancestors?: boolean;
}

const DATA_DIR: FolderRole = { label: 'data dir', plants: 'a token or config.json', option: '--data-dir' };

/**
 * Is this folder ours alone? Never creates anything. A missing folder is fine (there is nothing
 * in it to trust), as long as the nearest existing folder above it is safe.
 * Throws DataDirError with the problem and its fix.
 */
export function checkPrivateFolder(dir: string, role: FolderRole): DataDirState {
  const { label } = role;
  const path = resolve(dir);
  let lst: Stats;
  try {
    lst = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new DataDirError(`${label} ${path}: ${(e as Error).message}`);
    let up = dirname(path);
    while (up !== dirname(up)) {
      try { statSync(up); break; } catch { up = dirname(up); }
    }
    if (role.ancestors !== false) checkAncestors(join(realpathSync(up), '.missing'), label);
    return { path, realPath: null, mode: null };
  }
  const me = myUid();
  if (lst.isSymbolicLink() && me !== null && ownerProblem(lst, 'link', true) !== null) {
    throw new DataDirError(`the ${label} ${path} is a symbolic link owned by ${who(lst.uid)}, not you (${who(me)}); it could point anywhere its owner likes — remove it, or pass the real folder with ${role.option}`);
  }
  let real: string;
  let st: Stats;
  try {
    real = realpathSync(path);
    st = statSync(real);
  } catch (e) {
    throw new DataDirError(`${label} ${path}: ${(e as Error).message}`);
  }
  if (!st.isDirectory()) throw new DataDirError(`${label} ${path} is not a directory`);
  const owner = ownerProblem(st, `the ${label} ${real}`, false);
  if (owner) throw new DataDirError(`${owner}; whoever owns it can plant ${role.plants} — use a ${label} of your own (${role.option}), e.g. created with mkdir -m 700`);
  const w = writableProblem(st, `the ${label} ${real}`, `chmod 700 ${real}, then check that ${role.plants.replace(/^an? /, 'any ')} in it are yours`);
  if (w) throw new DataDirError(`${w}. Until then nothing in it is trusted`);
  if (role.ancestors !== false) checkAncestors(real, label);
  return { path, realPath: real, mode: st.mode & 0o7777 };
}

/** checkPrivateFolder for the data dir (config.json, token, server.json, the database). */
export function checkDataDir(dir: string): DataDirState {
  return checkPrivateFolder(dir, DATA_DIR);
}

/** Why a file in a trusted folder may not be trusted (lstat: a symlink is not followed), or null. */
export function fileProblem(file: string): string | null {
  let st: Stats;
  try { st = lstatSync(file); } catch (e) { return `${basename(file)}: ${(e as Error).message}`; }
  if (st.isSymbolicLink()) return `${basename(file)} is a symbolic link (links are not followed here)`;
  if (!st.isFile()) return `${basename(file)} is not a regular file`;
  return ownerProblem(st, basename(file), false) ?? writableProblem(st, basename(file), `chmod go-w ${file}`);
}

/**
 * Make the data dir ready for a server or a conversion: check it, create it (0700, parents too)
 * when missing, and tighten a pre-existing one that others may read (0755 → 0700).
 * Returns the real path and, if it was tightened, the old mode.
 */
export function prepareDataDir(dir: string): { realPath: string; tightenedFrom: number | null } {
  let state = checkDataDir(dir);
  if (state.realPath === null) {
    mkdirSync(state.path, { recursive: true, mode: 0o700 });
    state = checkDataDir(dir); // whatever is there now must pass (someone may have raced us)
  }
  const real = state.realPath as string;
  const mode = state.mode ?? 0;
  if ((mode & 0o077) !== 0) {
    chmodSync(real, 0o700);
    return { realPath: real, tightenedFrom: mode };
  }
  return { realPath: real, tightenedFrom: null };
}

export type OwnFile = { ok: true; text: string; mode: number } | { ok: false; reason: string };

/**
 * Read a file of the data dir only if it is ours: not a symlink (O_NOFOLLOW), a regular file,
 * owned by us, not writable by others (checked on the open descriptor, so nothing can be swapped
 * in between). null when it does not exist.
 */
export function readOwnFile(file: string, maxBytes = 1024 * 1024): OwnFile | null {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP' || code === 'EMLINK') return { ok: false, reason: `${basename(file)} is a symbolic link (Hermetic does not follow links in its data dir)` };
    return { ok: false, reason: `${basename(file)}: ${(e as Error).message}` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { ok: false, reason: `${basename(file)} is not a regular file` };
    const owner = ownerProblem(st, basename(file), false);
    if (owner) return { ok: false, reason: owner };
    const w = writableProblem(st, basename(file), `chmod go-w ${file}`);
    if (w) return { ok: false, reason: w };
    if (st.size > maxBytes) return { ok: false, reason: `${basename(file)} is larger than ${maxBytes} bytes` };
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return { ok: true, text: buf.subarray(0, off).toString('utf8'), mode: st.mode & 0o7777 };
  } finally {
    closeSync(fd);
  }
}

/**
 * Write a data-dir file atomically and privately: a new temp file (O_CREAT|O_EXCL|O_NOFOLLOW,
 * mode 0600) in the same folder, fsync, rename over the name. Whatever was at the name — a
 * symlink to ~/.bashrc, another user's file — is replaced, never written through.
 */
export function writeOwnFile(file: string, text: string): void {
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW, 0o600);
  try {
    const buf = Buffer.from(text, 'utf8');
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
