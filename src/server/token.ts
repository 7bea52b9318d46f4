// The API token: 256 random bits, created on first start, kept in the data dir with mode 0600
// (like Jupyter's), compared in constant time.
import { randomBytes, createHash, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TOKEN_FILE = 'token';
const TOKEN_FORMAT = /^[0-9a-f]{64}$/;

export function tokenPath(dataDir: string): string {
  return join(dataDir, TOKEN_FILE);
}

/** Read the token if there is a valid one (for `hermetic status`); never creates one. */
export function readToken(dataDir: string): string | null {
  try {
    const t = readFileSync(tokenPath(dataDir), 'utf8').trim();
    return TOKEN_FORMAT.test(t) ? t : null;
  } catch {
    return null;
  }
}

/**
 * The token in the data dir, created if missing or malformed. A token file other users could
 * read is not trusted: it is replaced (anyone may have copied it) and made private.
 */
export function loadOrCreateToken(dataDir: string): { token: string; created: boolean; replacedReason?: string } {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = tokenPath(dataDir);
  let replacedReason: string | undefined;
  if (existsSync(file)) {
    const mode = statSync(file).mode & 0o777;
    const existing = readToken(dataDir);
    if (existing && (mode & 0o077) === 0) return { token: existing, created: false };
    replacedReason = existing ? `token file was readable by others (mode ${mode.toString(8)})` : 'token file was malformed';
  }
  const token = randomBytes(32).toString('hex');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // writeFileSync's mode only applies to a new file
  return replacedReason ? { token, created: true, replacedReason } : { token, created: true };
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time comparison (hashing first makes the lengths equal). */
export function tokenMatches(presented: string | undefined | null, token: string): boolean {
  if (!presented) return false;
  return timingSafeEqual(digest(presented), digest(token));
}
