// The one error class of the jail; `code` is stable (callers and the HTTP layer switch on it).

export type JailErrorCode =
  /** A layer in `require` could not be applied; nothing was started. */
  | 'JAIL_LAYER_UNAVAILABLE'
  /** A layer was required but the helper (native/build/hermetic-jail) is not built. */
  | 'JAIL_HELPER_MISSING'
  /** The command could not be executed (not found, not executable). */
  | 'JAIL_EXEC_FAILED'
  /** Bad options (e.g. an --allow-write folder that does not exist). */
  | 'JAIL_BAD_ARGUMENT'
  /** The helper died before reporting (crash, usage error). */
  | 'JAIL_HELPER_FAILED'
  /** A limit or step the caller asked for (memory cap, ...) could not be applied; nothing was started. */
  | 'JAIL_SETUP_FAILED';

export class JailError extends Error {
  constructor(
    readonly code: JailErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'JailError';
  }
}
