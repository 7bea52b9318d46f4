// Bundle the two start-up paths of every jailed worker, after tsc (npm install's `prepare`,
// `npm run build`, `npm test`): the tripwire preload (dist/bundle/tripwire) and the converter
// worker with everything the built-in families import (dist/bundle/worker). Why: a worker
// starts fresh for every job, and Node resolves, reads and links ~200 modules on each start;
// bundled, the same code costs about half the CPU (bench/convert.js section 3; issue #15).
// src/bundles.ts decides when they are used.
//
// - esbuild-wasm (a dev dependency; WebAssembly: no platform binary, no install script).
//   Without it the bundles are skipped with a message and workers load the modules one by one.
// - Left outside the worker bundle: packages that find their own files at run time (pdfjs's
//   worker, tesseract.js's worker and language data) and native addons (sharp's .node).
// - zod's 64-locale index is replaced by English alone (lean-imports.ts does the same with a
//   resolve hook for the unbundled worker).
// - inputs.json lists our own input files with a hash of each (not mtimes: npm pack resets them)
//   and the version of every package inside: a bundle whose inputs changed since is stale, and
//   not used.
// - Source maps beside the worker's chunks: the tripwire names the package behind a blocked call
//   from them (isolation/tripwire/attribution.ts), and only then reads them.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const sha256 = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'dist', 'src');
const bundles = join(root, 'dist', 'bundle');

let esbuild;
try {
  esbuild = await import('esbuild-wasm');
} catch {
  rmSync(bundles, { recursive: true, force: true });
  console.log('» bundles skipped: esbuild-wasm is not installed (workers load their modules one by one: slower to start, same code)');
  process.exit(0);
}

/** zod/v4/{classic,core} re-export every locale as `locales`: give them English only. */
const englishOnlyZod = {
  name: 'zod-english-only',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: "export { default as en } from './en.js';\n",
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};

/**
 * Our bundle's source map must point at the installed file a line came from (attribution.ts names
 * the package from that path). esbuild would otherwise follow each package's own source map,
 * and a package's map may claim any origin (markdown-it's names linkify-it's TypeScript): drop
 * their sourceMappingURL comments as the files are read.
 */
const ownMapsOnly = {
  name: 'own-source-maps-only',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/].*\.[cm]?js$/ }, async (args) => ({
      contents: (await readFile(args.path, 'utf8')).replace(/^\/\/[#@] sourceMappingURL=.*$/gm, ''),
      loader: 'js',
    }));
  },
};

/**
 * The packages whose code is inside a bundle, their folder (relative to the root) → version:
 * an `npm update` without a rebuild leaves the bundle stale (src/bundles.ts), so no old copy of
 * a package keeps running after its update.
 */
function packagesOf(inputPaths) {
  const out = {};
  for (const p of inputPaths) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(p);
    if (!m || out[m[1]]) continue;
    out[m[1]] = JSON.parse(readFileSync(resolve(root, m[1], 'package.json'), 'utf8')).version;
  }
  return out;
}

// .mjs: an ES module by its name alone, so Node looks for no package.json above the bundle (a
// jailed program's read grant may be this folder alone).
const common = { outExtension: { '.js': '.mjs' }, bundle: true, format: 'esm', platform: 'node', target: 'node22.13', metafile: true, logLevel: 'warning' };

const plans = [
  {
    name: 'tripwire',
    entry: 'register.mjs',
    // esm-loader.mjs: the loader-thread hooks of Node < 22.15 (module.register), found beside register.mjs.
    options: { entryPoints: { register: join(src, 'isolation', 'tripwire', 'register.js'), 'esm-loader': join(src, 'isolation', 'tripwire', 'hooks', 'esm-loader.js') } },
  },
  {
    name: 'worker',
    entry: 'worker.mjs',
    options: {
      entryPoints: { worker: join(src, 'convert', 'worker.js') },
      splitting: true, // each family's dynamic import stays its own chunk: a data worker never loads sharp
      sourcemap: 'linked',
      external: ['pdfjs-dist', 'pdfjs-dist/*', 'tesseract.js', '@tesseract.js-data/*', '*.node'],
      plugins: [englishOnlyZod, ownMapsOnly], // in this order: zod's locales index is replaced, not read
      // CommonJS packages inside an ES module bundle call require() for Node's built-ins (and
      // sharp for its addon): give every chunk a real one, resolving from the bundle's folder.
      banner: { js: "import { createRequire as __hermeticRequire } from 'node:module'; const require = __hermeticRequire(import.meta.url);" },
    },
  },
];

for (const plan of plans) {
  const outdir = join(bundles, plan.name);
  for (const e of Object.values(plan.options.entryPoints)) {
    if (!existsSync(e)) { console.error(`bundle: ${relative(root, e)} not found: run tsc first`); process.exit(1); }
  }
  const started = performance.now();
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const result = await esbuild.build({ ...common, ...plan.options, outdir });
  const own = Object.keys(result.metafile.inputs).map((p) => resolve(root, p)).filter((p) => p.startsWith(src + '/'));
  const inputs = Object.fromEntries(own.map((p) => [relative(root, p), sha256(p)]));
  const lockfile = join(root, 'node_modules', '.package-lock.json');
  const lock = existsSync(lockfile) ? sha256(lockfile) : null;
  writeFileSync(join(outdir, 'inputs.json'), JSON.stringify({ entry: plan.entry, inputs, lockfile: lock, packages: packagesOf(Object.keys(result.metafile.inputs)) }, null, 1) + '\n');
  const files = Object.keys(result.metafile.outputs).filter((p) => p.endsWith('.mjs')).length;
  console.log(`» bundle ${plan.name}: ${files} file(s) from ${Object.keys(result.metafile.inputs).length} modules in ${((performance.now() - started) / 1000).toFixed(1)} s (dist/bundle/${plan.name})`);
}
