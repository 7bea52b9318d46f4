// The module specifiers a file loads, found lexically. Reachability only needs to know which
// files a file can load; a regex over-approximates (a `require('x')` in a comment counts too),
// which errs on the safe side — a file is called unreachable only when nothing names it — and
// costs a fraction of a parse, so every reachable file can be followed.

// require('x'), __require("x"), require.resolve('x'), import('x'), `from 'x'`, `import 'x'`,
// new URL('./x', import.meta.url) (workers, wasm), new Worker('./x').
const LOADS = /(?:\brequire(?:\.resolve)?|_require|\bimport)\s*\(\s*(['"`])([^'"`\n]{1,300})\1|\bfrom\s*(['"])([^'"\n]{1,300})\3|\bimport\s*(['"])([^'"\n]{1,300})\5|\bnew\s+(?:URL|Worker)\s*\(\s*(['"`])(\.{1,2}\/[^'"`\n]{1,300})\7/g;
// require(name) / import(name) with a computed argument: static analysis cannot follow it.
const COMPUTED = /(?:\brequire|_require|\bimport)\s*\(\s*(?![\s'"`)])(?![^)\n]{0,80}import\.meta)/;

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
  return { specifiers: [...specifiers], computed: COMPUTED.test(text) };
}
