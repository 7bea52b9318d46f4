// zod's locales index as a worker sees it: English only (see lean-imports.ts).
export { default as en } from 'zod/v4/locales/en.js';
