// One error class for everything that can go wrong with a conversion. `code` is stable (API
// clients and tests match on it); `status` is the HTTP status the routes answer with.
export const CONVERT_ERRORS = {
  UNSUPPORTED_FORMAT: 415,
  FORMAT_MISMATCH: 415,
  NO_CONVERTER: 422,
  INVALID_OPTIONS: 400,
  INVALID_INPUT: 422,
  INPUT_TOO_LARGE: 413,
  ARCHIVE_BOMB: 422,
  UNSAFE_NAME: 422,
  TOO_COMPLEX: 422,
  OUTPUT_TOO_LARGE: 422,
  INVALID_OUTPUT: 422,
  JOB_TIMEOUT: 422,
  OUT_OF_MEMORY: 422,
  NETWORK_VIOLATION: 422,
  SANDBOX_DENIED: 422,
  WORKER_CRASHED: 500,
  QUEUE_FULL: 503,
  ISOLATION_INSUFFICIENT: 503,
  /** The converter needs a program that is not installed here (the message has the apt hint). */
  UNAVAILABLE: 503,
  SHUTTING_DOWN: 503,
  JOB_NOT_FOUND: 404,
  RESULT_NOT_READY: 409,
  RESULT_GONE: 410,
  CANCELLED: 409,
} as const;

export type ConvertErrorCode = keyof typeof CONVERT_ERRORS;

export class ConvertError extends Error {
  readonly status: number;
  constructor(readonly code: ConvertErrorCode, message: string, readonly extra: Record<string, unknown> = {}) {
    super(message);
    this.name = 'ConvertError';
    this.status = CONVERT_ERRORS[code];
  }

  toJSON(): { code: ConvertErrorCode; message: string } & Record<string, unknown> {
    return { code: this.code, message: this.message, ...this.extra };
  }
}

export function isConvertErrorCode(s: unknown): s is ConvertErrorCode {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(CONVERT_ERRORS, s);
}
