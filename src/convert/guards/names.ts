// User-supplied file names. They are never used as paths on disk (job folders use fixed names);
// they are only echoed back as the suggested download name, so they must be harmless there:
// no directories, no control characters, no leading dots, bounded length.
import { ConvertError } from '../errors.js';
import { LIMITS } from '../limits.js';

/** A safe display/download name derived from a user's file name, or throws UNSAFE_NAME. */
export function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what we strip
  const cleaned = base.replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069"<>|:*?]/g, '_').replace(/^\.+/, '').trim();
  if (!cleaned) throw new ConvertError('UNSAFE_NAME', 'the file name is empty once path parts and control characters are removed');
  // Keep whole code points: cutting a UTF-16 unit could leave half an emoji (a lone surrogate).
  let out = '';
  let bytes = 0;
  for (const ch of cleaned) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > LIMITS.maxNameBytes) break;
    out += ch;
    bytes += n;
  }
  return out;
}

/** The suggested output name: the input's stem + the output extension. */
export function outputName(inputName: string | undefined, ext: string): string {
  if (!inputName) return `converted.${ext}`;
  const safe = safeFileName(inputName);
  const dot = safe.lastIndexOf('.');
  const stem = dot > 0 ? safe.slice(0, dot) : safe;
  return `${stem}.${ext}`;
}
