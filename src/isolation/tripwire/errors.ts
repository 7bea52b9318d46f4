// The one error the tripwire raises. Callers (and libraries that handle "offline" gracefully)
// see a stable `code`; the message names the API, the target and the culprit package so a user
// reading a log knows exactly who tried to go where.
import { NETWORK_BLOCKED_CODE } from './types.js';

export interface BlockedTarget {
  /** The API the caller used, e.g. 'https.request', 'dns.lookup', 'require'. */
  api: string;
  /** "host:port", a unix path, a module name or a program — already formatted for humans. */
  target: string;
  /** The package blamed for the call ("app" for our own code). */
  package: string;
}

export class NetworkBlockedError extends Error {
  readonly code = NETWORK_BLOCKED_CODE;
  readonly api: string;
  readonly target: string;
  readonly package: string;
  /** Mirrors the errno-style fields of real network errors, so generic handlers can log them. */
  syscall?: string;
  hostname?: string;
  address?: string;
  port?: number;

  constructor(what: BlockedTarget) {
    super(`Network access blocked by Hermetic: ${what.api} to ${what.target} (from package "${what.package}")`);
    this.name = 'NetworkBlockedError';
    this.api = what.api;
    this.target = what.target;
    this.package = what.package;
  }
}

export function isNetworkBlockedError(e: unknown): e is NetworkBlockedError {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === NETWORK_BLOCKED_CODE;
}
