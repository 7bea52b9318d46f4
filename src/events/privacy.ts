// Event details are "what tried to go where", never what a user's file contained. This is the
// last line of defence for callers that pass more than they should: file-name keys are removed
// unless the user opted in, long strings are cut, and the whole JSON is size-capped.
import type { EventDetails } from './types.js';

const FILE_NAME_KEYS = new Set(['filename', 'filenames', 'file', 'files', 'originalname', 'inputname', 'outputname', 'name_of_file']);
const CONTENT_KEYS = new Set(['content', 'contents', 'body', 'payload', 'data', 'buffer', 'text']);
const MAX_STRING = 512;
const MAX_DEPTH = 4;
const MAX_JSON = 8 * 1024;

function clean(value: unknown, allowFileNames: boolean, depth: number): unknown {
  if (typeof value === 'string') return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return typeof value === 'function' || typeof value === 'symbol' ? undefined : value;
  if (depth >= MAX_DEPTH) return '[nested]';
  if (value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => clean(v, allowFileNames, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const key = k.toLowerCase();
    if (CONTENT_KEYS.has(key)) continue;
    if (!allowFileNames && FILE_NAME_KEYS.has(key.replace(/[-_]/g, ''))) continue;
    const c = clean(v, allowFileNames, depth + 1);
    if (c !== undefined) out[k] = c;
  }
  return out;
}

/** Privacy-safe copy of event details, serialisable and bounded in size. */
export function sanitizeDetails(details: EventDetails, allowFileNames: boolean): EventDetails {
  const cleaned = clean(details ?? {}, allowFileNames, 0) as EventDetails;
  if (JSON.stringify(cleaned).length <= MAX_JSON) return cleaned;
  return { truncated: true, keys: Object.keys(cleaned).slice(0, 50) };
}
