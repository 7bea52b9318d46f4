// Start-up CPU a worker need not spend: zod re-exports all of its 64 locales as `z.locales`, and
// importing zod evaluates every one of them — about half of zod's import cost (measured: ~45 of
// ~95 ms per worker, bench/convert.ts section 3). Converters use zod's English messages only,
// which its schemas import from locales/en.js themselves; `z.locales` is never read. In a
// built-in family's worker, zod's locales index resolves to a module with English alone.
// (Plugin workers are left as they are: a user's converter may use z.locales.)
import Module from 'node:module';

interface ResolveResult { url: string; format?: string | null | undefined; shortCircuit?: boolean }
type NextResolve = (specifier: string, context?: unknown) => ResolveResult;
interface HooksApi { registerHooks?: (hooks: { resolve: (specifier: string, context: unknown, next: NextResolve) => ResolveResult }) => unknown }

const LOCALES_INDEX = /\/node_modules\/zod\/v4\/locales\/index\.js$/;
const ENGLISH_ONLY = new URL('./zod-locales-en.js', import.meta.url).href;

/** Install the redirect (Node ≥ 22.15 / 23.5: module.registerHooks; elsewhere nothing changes). */
export function leanZodLocales(): boolean {
  const api = Module as unknown as HooksApi;
  if (typeof api.registerHooks !== 'function') return false;
  api.registerHooks({
    resolve(specifier, context, next) {
      const r = next(specifier, context);
      return LOCALES_INDEX.test(r.url) ? { ...r, url: ENGLISH_ONLY } : r;
    },
  });
  return true;
}
