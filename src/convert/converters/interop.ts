// A CommonJS package loaded with import(). Node hands back its named exports (it reads them
// from the source); in the bundled worker (scripts/bundle.mjs, split into chunks) the package's
// chunk exports module.exports as `default` alone. Take whichever holds the export we need.
export function cjsNamespace<T extends object>(ns: T, key: keyof T & string): T {
  if ((ns as Record<string, unknown>)[key] !== undefined) return ns;
  const d = (ns as { default?: unknown }).default;
  return (typeof d === 'object' || typeof d === 'function') && d !== null && key in d ? (d as T) : ns;
}
