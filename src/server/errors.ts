// Every error the API answers with is JSON `{ error: { code, message } }` with a stable `code`
// that clients and tests match on. Routes throw HttpError (or any error carrying a numeric
// `status`/`statusCode` and an UPPER_SNAKE `code`, e.g. ConvertError); everything else is
// mapped here, and 5xx details never reach the client.

export const STATUS_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  408: 'REQUEST_TIMEOUT',
  409: 'CONFLICT',
  410: 'GONE',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  421: 'MISDIRECTED_REQUEST',
  422: 'UNPROCESSABLE',
  429: 'RATE_LIMITED',
  431: 'HEADERS_TOO_LARGE',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  503: 'UNAVAILABLE',
};

/** Fastify's own error codes that deserve a more precise stable code than their status. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_VALIDATION: 'VALIDATION_FAILED',
  FST_ERR_BAD_URL: 'BAD_URL',
};

export class HttpError extends Error {
  constructor(readonly statusCode: number, readonly code: string, message: string, readonly extra: Record<string, unknown> = {}) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface ErrorBody {
  error: { code: string; message: string } & Record<string, unknown>;
}

export interface MappedError {
  status: number;
  body: ErrorBody;
  /** Unexpected (5xx from a non-HTTP error): log it with its stack. */
  internal: boolean;
}

const STABLE_CODE = /^[A-Z][A-Z0-9_]{1,63}$/;

function statusOf(e: { statusCode?: unknown; status?: unknown }): number | null {
  const s = typeof e.statusCode === 'number' ? e.statusCode : typeof e.status === 'number' ? e.status : null;
  return s !== null && s >= 400 && s <= 599 ? s : null;
}

/** Map any thrown value to the API's error shape. */
export function mapError(err: unknown): MappedError {
  const e = (err ?? {}) as Error & { statusCode?: unknown; status?: unknown; code?: unknown; validation?: unknown; extra?: unknown; issues?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (err instanceof HttpError) {
    return { status: err.statusCode, body: { error: { ...err.extra, code: err.code, message } }, internal: false };
  }
  if (e.name === 'ZodError' && Array.isArray(e.issues)) {
    const issues = (e.issues as { path: unknown[]; message: string }[]).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    return { status: 400, body: { error: { code: 'VALIDATION_FAILED', message: issues.join('; ') } }, internal: false };
  }
  if (e.validation) return { status: 400, body: { error: { code: 'VALIDATION_FAILED', message } }, internal: false };
  if (e.code === 'INVALID_QUERY') return { status: 400, body: { error: { code: 'INVALID_QUERY', message } }, internal: false };
  const status = statusOf(e);
  const code = typeof e.code === 'string' ? e.code : '';
  if (status !== null && status < 500) {
    const stable = FASTIFY_CODES[code] ?? (STABLE_CODE.test(code) ? code : STATUS_CODES[status] ?? 'BAD_REQUEST');
    const extra = e.extra && typeof e.extra === 'object' ? (e.extra as Record<string, unknown>) : {};
    return { status, body: { error: { ...extra, code: stable, message } }, internal: false };
  }
  if (status !== null && STABLE_CODE.test(code)) {
    // A deliberate 5xx with a stable code (QUEUE_FULL, ISOLATION_INSUFFICIENT…): its message is meant for users.
    const extra = e.extra && typeof e.extra === 'object' ? (e.extra as Record<string, unknown>) : {};
    return { status, body: { error: { ...extra, code, message } }, internal: status === 500 };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error (see the server log)' } }, internal: true };
}
