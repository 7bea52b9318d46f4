// The bundled tripwire and worker (scripts/bundle.mjs, src/bundles.ts): used only while current,
// run by built-in families only, and a blocked call from bundled code still names its package.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkBundle, shippedBundle, bundleDir } from '../../src/bundles.js';
import { bundledSource, culpritFromFrames } from '../../src/isolation/tripwire/attribution.js';
import { tripwireArgs } from '../../src/isolation/jail/node-args.js';
import { ConvertService } from '../../src/convert/index.js';
import type { JailSpawn } from '../../src/convert/index.js';
import { fixturesDir } from '../helpers/paths.js';
import { unjailedSpawnForTests } from './convert-unjailed-spawn.js';

const ci = process.env.CI === 'true';
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Why the shipped bundle cannot be tested here, or null. Under CI it must be there: CI tests what ships. */
function shippedMissing(): string | null {
  const w = shippedBundle('worker');
  const t = shippedBundle('tripwire');
  if ('script' in w && 'script' in t) return null;
  const why = `the shipped bundles are not current (worker: ${'unavailable' in w ? w.unavailable : 'ok'}; tripwire: ${'unavailable' in t ? t.unavailable : 'ok'})`;
  if (ci) assert.fail(`${why}: CI must test the bundled worker users run (npm test bundles after tsc)`);
  return why;
}

test('checkBundle: current → its entry; an input changed or gone, a bundled package updated, or no inputs.json → not used, and says why', () => {
  const root = mkdtempSync(join(tmpdir(), 'hermetic-bundle-'));
  try {
    const dir = join(root, 'dist', 'bundle', 'worker');
    mkdirSync(dir, { recursive: true });
    assert.match((checkBundle(dir, root) as { unavailable: string }).unavailable, /not built/);
    mkdirSync(join(root, 'dist', 'src'), { recursive: true });
    writeFileSync(join(root, 'dist', 'src', 'a.js'), 'export const a = 1;\n');
    writeFileSync(join(dir, 'inputs.json'), JSON.stringify({ entry: 'worker.mjs', inputs: { 'dist/src/a.js': sha('export const a = 1;\n') } }));
    assert.deepEqual(checkBundle(dir, root), { script: join(dir, 'worker.mjs') });
    // Same size, new content (a rebuild that changed one character): stale.
    writeFileSync(join(root, 'dist', 'src', 'a.js'), 'export const a = 2;\n');
    assert.deepEqual(checkBundle(dir, root), { unavailable: 'stale: dist/src/a.js changed since it was bundled (npm run build)' });
    rmSync(join(root, 'dist', 'src', 'a.js'));
    assert.deepEqual(checkBundle(dir, root), { unavailable: 'stale: dist/src/a.js is gone since it was bundled (npm run build)' });
    // A bundled package updated since (npm update without a rebuild): stale, unless npm's own
    // record of node_modules is unchanged (then every package is as it was).
    writeFileSync(join(root, 'dist', 'src', 'a.js'), 'export const a = 1;\n');
    mkdirSync(join(root, 'node_modules', 'lib'), { recursive: true });
    writeFileSync(join(root, 'node_modules', 'lib', 'package.json'), '{"version": "1.0.0"}');
    writeFileSync(join(root, 'node_modules', '.package-lock.json'), '{"v": 1}');
    const withPackages = (lockfile: string | null): void => writeFileSync(join(dir, 'inputs.json'), JSON.stringify({ entry: 'worker.mjs', inputs: { 'dist/src/a.js': sha('export const a = 1;\n') }, lockfile, packages: { 'node_modules/lib': '1.0.0' } }));
    withPackages(sha('{"v": 1}'));
    assert.deepEqual(checkBundle(dir, root), { script: join(dir, 'worker.mjs') });
    writeFileSync(join(root, 'node_modules', 'lib', 'package.json'), '{"version": "1.0.1"}');
    writeFileSync(join(root, 'node_modules', '.package-lock.json'), '{"v": 2}');
    assert.deepEqual(checkBundle(dir, root), { unavailable: 'stale: node_modules/lib is 1.0.1 now, 1.0.0 in the bundle (npm run build)' });
    // The lockfile changed but the bundled package did not (a dev dependency added): current.
    writeFileSync(join(root, 'node_modules', 'lib', 'package.json'), '{"version": "1.0.0"}');
    assert.deepEqual(checkBundle(dir, root), { script: join(dir, 'worker.mjs') });
    // No lockfile (another package manager, or installed from a tarball): package by package.
    rmSync(join(root, 'node_modules', '.package-lock.json'));
    withPackages(null);
    assert.deepEqual(checkBundle(dir, root), { script: join(dir, 'worker.mjs') });
    rmSync(join(root, 'node_modules', 'lib'), { recursive: true });
    assert.deepEqual(checkBundle(dir, root), { unavailable: 'stale: node_modules/lib is not there now, 1.0.0 in the bundle (npm run build)' });
    writeFileSync(join(dir, 'inputs.json'), '{"entry": 3}');
    assert.match((checkBundle(dir, root) as { unavailable: string }).unavailable, /not what scripts\/bundle\.mjs writes/);
  } finally { rmSync(root, { recursive: true, force: true }); }
});

test('a frame in the bundled worker names the package it came from (its source map); the same frame unmapped would say "app"', (t) => {
  const missing = shippedMissing();
  if (missing) { t.skip(`skipped: ${missing}`); return; }
  const dir = bundleDir('worker');
  // esbuild heads each module with a `// node_modules/<pkg>/<file>` comment: take the first code
  // line after markdown-it's, and the first column of code on it.
  let frame: { file: string; fn: string; line: number; column: number } | null = null;
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.mjs'))) {
    const lines = readFileSync(join(dir, name), 'utf8').split('\n');
    const i = lines.findIndex((l) => l.startsWith('// node_modules/markdown-it/'));
    if (i < 0) continue;
    const j = lines.findIndex((l, k) => k > i && /\S/.test(l) && !l.trim().startsWith('//'));
    frame = { file: join(dir, name), fn: 'x', line: j + 1, column: (lines[j]!.search(/\S/)) + 1 };
    break;
  }
  assert.ok(frame, 'markdown-it is in the worker bundle');
  assert.match(bundledSource(frame) ?? '', /node_modules\/markdown-it\//);
  const c = culpritFromFrames([frame]);
  assert.equal(c.package, 'markdown-it');
  assert.match(c.stackTop ?? '', /\[.*node_modules\/markdown-it\/.*\]$/, 'the stack top shows the bundle position and the original file');
  // Positive control: without the map (a folder that is not our bundle), the frame is "app".
  assert.equal(bundledSource(frame, join(tmpdir(), 'elsewhere') + '/'), null);
});

test('a source map outside our bundle folder is never read: a package cannot blame another through its own map', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hermetic-map-'));
  try {
    const file = join(dir, 'node_modules', 'evil', 'index.js');
    mkdirSync(join(dir, 'node_modules', 'evil'), { recursive: true });
    writeFileSync(file, 'connect();\n');
    writeFileSync(`${file}.map`, JSON.stringify({ version: 3, sources: ['../sharp/lib/index.js'], names: [], mappings: 'AAAA' }));
    const frame = { file, fn: 'connect', line: 1, column: 1 };
    assert.equal(bundledSource(frame), null);
    assert.equal(culpritFromFrames([frame]).package, 'evil');
    // Positive control: had the folder been our bundle's, the map would have been followed.
    assert.match(bundledSource(frame, join(dir, 'node_modules', 'evil') + '/') ?? '', /node_modules\/sharp\/lib\/index\.js$/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('jailed Node children preload the bundled tripwire while it is current', (t) => {
  const missing = shippedMissing();
  if (missing) { t.skip(`skipped: ${missing}`); return; }
  assert.deepEqual(tripwireArgs(), ['--import', `file://${join(bundleDir('tripwire'), 'register.mjs')}`]);
});

test('built-in families run the bundled worker; plugin and catalog workers run the modules', async (t) => {
  const missing = shippedMissing();
  if (missing) { t.skip(`skipped: ${missing}`); return; }
  const dataDir = mkdtempSync(join(tmpdir(), 'hermetic-bundle-pool-'));
  const scripts = new Map<string, string>();
  const spawn: JailSpawn = (cmd, args, opts) => {
    scripts.set(opts.env?.HERMETIC_WORKER_FAMILY ?? '?', args[args.length - 1] ?? '');
    return unjailedSpawnForTests(cmd, args, opts);
  };
  const s = new ConvertService({
    config: { dataDir, strictness: 'standard', jobTimeoutMs: 20_000, workerMemoryMb: 256, poolSize: 1, logFileNames: false, convertersDir: join(fixturesDir, 'convert', 'plugins'), killGraceMs: 500, resultTtlMs: 60_000 },
    spawn, tripwire: false, prewarm: [],
  });
  s.start();
  try {
    assert.deepEqual(s.stats().pool.workerScript, { kind: 'bundle', reason: 'built and current' });
    const yaml = await s.convert({ data: Buffer.from('a: [1, 2]\n'), from: 'yaml', to: 'json' });
    assert.equal(yaml.status, 'succeeded', JSON.stringify(yaml.error));
    const echo = await s.convert({ data: Buffer.from('hi'), name: 'x.txt', to: 'txt', converter: 'test-echo' });
    assert.equal(echo.status, 'succeeded', JSON.stringify(echo.error));
    assert.equal(scripts.get('data'), join(bundleDir('worker'), 'worker.mjs'));
    assert.match(scripts.get('plugin') ?? '', /dist\/src\/convert\/worker\.js$/);
  } finally {
    await s.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
