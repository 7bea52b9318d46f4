// Text from outside (file names, paths, converter messages that may quote a file's content)
// printed on a terminal: control characters are shown, never obeyed. An ESC in a file name
// must not move the cursor, rewrite the window title, fake a success line or hide an error;
// bidi overrides must not reorder what the user reads.

/** C0 and C1 controls, DEL, and the Unicode bidi embedding/override/isolate characters. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what we neutralise
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** `s` with every control character replaced by a visible escape (\x1b, \u202e…). */
export function forTerminal(s: string): string {
  return s.replace(UNSAFE, (c) => {
    const n = c.charCodeAt(0);
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}
