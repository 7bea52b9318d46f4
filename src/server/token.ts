// The API token: 256 random bits, created on first start, kept in the data dir with mode 0600
// (like Jupyter's), compared in constant time. The file is only believed when it is ours and a
// regular file (no symlink, not another user's, not readable by others: config/data-dir.ts);
// otherwise a new token is written in its place — by rename, never through a planted symlink.
import { randomBytes, createHash, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import { readOwnFile, writeOwnFile } from '../config/index.js';

export const TOKEN_FILE = 'token';
const TOKEN_FORMAT = /^[0-9a-f]{64}$/;

export function tokenPath(dataDir: string): string {
  return join(dataDir, TOKEN_FILE);
}

/** The token file as it is: a valid token of ours, or why it is not one (null: no file). */
function inspectToken(dataDir: string): { token: string | null; problem: string | null } | null {
  const own = readOwnFile(tokenPath(dataDir), 4096);
  if (own === null) return null;
  if (!own.ok) return { token: null, problem: own.reason };
  const t = own.text.trim();
  if (!TOKEN_FORMAT.test(t)) return { token: null, problem: 'token file was malformed' };
  if ((own.mode & 0o077) !== 0) return { token: t, problem: `token file was readable by others (mode ${(own.mode & 0o777).toString(8)})` };
  return { token: t, problem: null };
}

/** Read the token if there is a valid one of ours (for `hermetic status`); never creates one. */
export function readToken(dataDir: string): string | null {
  const t = inspectToken(dataDir);
  return t && t.problem === null ? t.token : null;
}

/**
 * The token in the data dir (which the caller has prepared: config prepareDataDir), created if
 * missing or not trustworthy: malformed, readable by others (anyone may have copied it), a
 * symlink, or another user's file. The replacement is written privately and atomically.
 */
export function loadOrCreateToken(dataDir: string): { token: string; created: boolean; replacedReason?: string } {
  const found = inspectToken(dataDir);
  if (found && found.problem === null && found.token) return { token: found.token, created: false };
  const token = randomBytes(32).toString('hex');
  writeOwnFile(tokenPath(dataDir), `${token}\n`);
  return found?.problem ? { token, created: true, replacedReason: found.problem } : { token, created: true };
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time comparison (hashing first makes the lengths equal). */
export function tokenMatches(presented: string | undefined | null, token: string): boolean {
  if (!presented) return false;
  return timingSafeEqual(digest(presented), digest(token));
}
