// The supported runtime, decided in one place: Node.js >= 22.13 (the first 22.x whose
// `node:sqlite` needs no flag; 23.x has it unflagged from 23.4). Kept free of imports so the
// check itself runs on any Node that can load an ES module.
export const MIN_NODE = '22.13.0';

/** Why this Node cannot run Hermetic, or null when it can. */
export function runtimeProblem(version: string): string | null {
  const [major = 0, minor = 0] = version.split('.').map((n) => Number.parseInt(n, 10));
  const ok = major > 23 || (major === 23 && minor >= 4) || (major === 22 && minor >= 13);
  if (ok) return null;
  return `Node.js ${version} is not supported: Hermetic needs Node.js >= ${MIN_NODE} ` +
    '(its event store uses the built-in node:sqlite). Install a current Node.js LTS (22, 24 or 26) and run it again.';
}
