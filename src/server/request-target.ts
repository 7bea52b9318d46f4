// The ONE reading of a request target that every security decision uses. The router (find-my-way)
// percent-decodes the path before it matches a route; a check that looks at the raw URL sees
// `/%61pi/jobs` where the router sees `/api/jobs` — that gap was a token bypass. So:
//   - only origin-form targets (`/path?query`) are accepted: absolute-form
//     (`GET http://host/api/jobs`), authority-form and `*` are refused;
//   - the path is decoded here, once, strictly: an escape that decodes to a character with a
//     meaning in a path or URL (`/ \ . % ? # ;`), a control character or NUL, or bytes that
//     are not valid UTF-8 (overlong `%c0%af`) is refused — a path that decodes to "something
//     else" has no single meaning, and no browser sends one;
//   - the decoded path must already be normal: no empty segment (`//`), no `.` or `..` segment.
// What is left decodes to exactly the path the router matches, and that is what is authorised.

export type TargetReading =
  | { ok: true; path: string; rawPath: string; query: string }
  | { ok: false; reason: string };

const HEX = /^[0-9a-fA-F]{2}$/;
/** Characters an escape may not stand for: they would change how the path splits or normalises. */
const MEANINGFUL = new Set(['/', '\\', '.', '%', '?', '#', ';']);
const utf8 = new TextDecoder('utf-8', { fatal: true });

function refuse(reason: string): TargetReading {
  return { ok: false, reason };
}

export function readTarget(target: string): TargetReading {
  if (!target.startsWith('/')) {
    return refuse(/^[a-z][a-z0-9+.-]*:\/\//i.test(target)
      ? 'absolute-form request targets (GET http://host/path) are not accepted; send the path only'
      : 'the request target must be a path starting with /');
  }
  const q = target.indexOf('?');
  const rawPath = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? '' : target.slice(q + 1);
  // Every request passes here: the common case (a plain ASCII path) takes no decoding at all.
  if (PLAIN.test(rawPath)) return normal(rawPath) ?? { ok: true, path: rawPath, rawPath, query };
  const bytes: number[] = [];
  for (let i = 0; i < rawPath.length; i++) {
    const c = rawPath.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return refuse('the path contains a character that must be percent-encoded');
    if (c === 0x23 /* # */ || c === 0x5c /* \ */) return refuse(`the path contains a raw '${rawPath[i]}'`);
    if (c !== 0x25 /* % */) { bytes.push(c); continue; }
    const h = rawPath.slice(i + 1, i + 3);
    if (!HEX.test(h)) return refuse('the path has a malformed percent-escape');
    const b = parseInt(h, 16);
    const ch = String.fromCharCode(b);
    if (b < 0x20 || b === 0x7f) return refuse('the path encodes a control character or NUL');
    if (b < 0x80 && MEANINGFUL.has(ch)) return refuse(`the path encodes '${ch}' (%${h}); send it unencoded, or not at all`);
    bytes.push(b);
    i += 2;
  }
  let path: string;
  try {
    path = utf8.decode(Uint8Array.from(bytes));
  } catch {
    return refuse('the path does not decode to valid UTF-8');
  }
  // Multi-byte characters may not hide a control character (U+0080–U+009F) either.
  if (/[\u0080-\u009f]/.test(path)) return refuse('the path encodes a control character');
  return normal(path) ?? { ok: true, path, rawPath, query };
}

/** Visible ASCII but `%`, `#` and `\`: nothing to decode, nothing refused by character. */
const PLAIN = /^[!"$&-[\]-~]*$/;

/** A refusal when the decoded path is not normal (a dot or an empty segment), else null. */
function normal(path: string): TargetReading | null {
  if (!path.includes('/.') && !path.includes('//')) return null;
  const segments = path.split('/').slice(1);
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i] as string;
    if (s === '.' || s === '..') return refuse('the path has a dot segment');
    if (s === '' && i < segments.length - 1) return refuse('the path has an empty segment (//)');
  }
  return null;
}
