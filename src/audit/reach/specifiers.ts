// The module specifiers a file loads, found lexically. Reachability only needs to know which
// files a file can load; a regex over-approximates (a `require('x')` in a comment counts too),
// which errs on the safe side — a file is called unreachable only when nothing names it — and
// costs a fraction of a parse, so every reachable file can be followed.

// require('x'), __require("x"), nodeRequire('x'), __non_webpack_require__('x'), require.resolve('x'), import('x'), `from 'x'`, `import 'x'`,
// new URL('./x', import.meta.url) (workers, wasm), new Worker('./x').
const LOADS = /(?:[\w$]*[Rr]equire_*(?:\.resolve)?|\bimport)\s*\(\s*(['"`])([^'"`\n]{1,300})\1|\bfrom\s*(['"])([^'"\n]{1,300})\3|\bimport\s*(['"])([^'"\n]{1,300})\5|\bnew\s+(?:URL|Worker)\s*\(\s*(['"`])(\.{1,2}\/[^'"`\n]{1,300})\7/g;
// require(name) / import(name) with a computed argument: static analysis cannot follow it.
// A template literal with a substitution is computed too: import(`./${name}.js`).
// So is a literal followed by more: require('./plugins/' + name).
const COMPUTED = /(?:\brequire|_require|\bimport)\s*\(\s*(?:[^\s'"`)]|`[^`\n]{0,200}\$\{|(['"])[^'"\n]{0,200}\1\s*\+)/;

// A string literal that names a script file ('worker.js', './lib/x.cjs'): code that builds a
// path to a file it runs (join(here, 'worker.js') for a child process or worker thread).
const SCRIPT_NAME = /['"`]((?:\.{1,2}\/)?[\w@][\w@./-]{0,200}\.(?:c|m)?js)['"`]/g;

// path.join(__dirname, '..', 'worker-script', 'node', 'index.js'): a file path from literal
// segments next to this file (how packages point a worker or child process at their script).
const JOINED = /\b(?:join|resolve)\s*\(\s*(?:__dirname|here|dirname\s*\([^()]*(?:\([^()]*\))?[^()]*\))\s*((?:,\s*['"][^'"\n]{1,100}['"]\s*){1,8})\)/g;
const SEGMENT = /['"]([^'"\n]+)['"]/g;

export interface FileLoads {
  specifiers: string[];
  /** The file loads something by a computed name. */
  computed: boolean;
}

export function fileLoads(text: string): FileLoads {
  const specifiers = new Set<string>();
  LOADS.lastIndex = 0;
  for (let m = LOADS.exec(text); m; m = LOADS.exec(text)) {
    const s = m[2] ?? m[4] ?? m[6] ?? m[8];
    if (s && !s.includes('${')) specifiers.add(s);
  }
  SCRIPT_NAME.lastIndex = 0;
  for (let m = SCRIPT_NAME.exec(text); m; m = SCRIPT_NAME.exec(text)) {
    const s = m[1] as string;
    // Both readings: relative to this file, and (for 'pkg/x.js') a package subpath.
    specifiers.add(s.startsWith('.') ? s : `./${s}`);
    if (!s.startsWith('.')) specifiers.add(s);
  }
  JOINED.lastIndex = 0;
  for (let m = JOINED.exec(text); m; m = JOINED.exec(text)) {
    const parts = [...(m[1] as string).matchAll(SEGMENT)].map((x) => x[1] as string);
    specifiers.add(`./${parts.join('/')}`);
  }
  return { specifiers: [...specifiers], computed: COMPUTED.test(text) };
}
