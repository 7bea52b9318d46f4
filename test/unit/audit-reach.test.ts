// Reachability: package `exports` conditions, literal worker paths, and the rule that a
// computed require/import makes its whole folder count as reachable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { realpathSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { computeReachability, exportsTargets, fileLoads } from '../../src/audit/reach/index.js';
import { listPackageFiles } from '../../src/audit/files.js';
import { writeTree } from './audit-fixture.js';

test('exports: every condition Node may pick, subpath patterns, sugar forms', () => {
  const exp = { '.': { import: './esm/index.mjs', require: './cjs/index.cjs', types: './x.d.ts', browser: './browser.js' }, './feature/*': './lib/features/*.js' };
  assert.deepEqual(exportsTargets(exp, '.'), ['./esm/index.mjs', './cjs/index.cjs']);
  assert.deepEqual(exportsTargets(exp, './feature/a'), ['./lib/features/a.js']);
  assert.deepEqual(exportsTargets(exp, './missing'), []);
  assert.deepEqual(exportsTargets('./main.js', '.'), ['./main.js']);
  assert.deepEqual(exportsTargets({ node: './n.js', default: './d.js' }, '.'), ['./n.js', './d.js']);
});

test('specifiers: literal loads, worker paths built from literal segments, computed loads flagged', () => {
  const l = fileLoads("const a = require('a');\nimport b from './b.js';\nconst w = path.join(__dirname, '..', 'worker', 'index.js');\nnew Worker(new URL('./w.mjs', import.meta.url));\n");
  for (const s of ['a', './b.js', './../worker/index.js', './w.mjs']) assert.ok(l.specifiers.includes(s), s);
  assert.equal(l.computed, false);
  assert.equal(fileLoads('const m = await import(`./${name}.js`);').computed, true);
  assert.equal(fileLoads('const m = require(name);').computed, true);
});

test('reachability follows exports and relative requires; a computed load makes its folder reachable', () => {
  const root = writeTree({
    'package.json': { name: 'app', version: '1.0.0', main: 'main.js', dependencies: { lib: '1', plug: '1' } },
    'main.js': "require('lib');\nrequire('plug');\n",
    'node_modules/lib/package.json': { name: 'lib', version: '1.0.0', exports: { '.': { require: './cjs/index.js', import: './esm/index.mjs' } }, imports: { '#net': { node: './cjs/net-node.js', default: './cjs/net-browser.js' } } },
    'node_modules/lib/cjs/index.js': "module.exports = require('./used.js') + require('#net');\n",
    'node_modules/lib/cjs/net-node.js': "module.exports = require('node:net');\n",
    'node_modules/lib/cjs/net-browser.js': 'module.exports = null;\n',
    'node_modules/lib/cjs/used.js': 'module.exports = 1;\n',
    'node_modules/lib/esm/index.mjs': 'export default 1;\n',
    'node_modules/lib/test/unused.js': "require('http');\n",
    'node_modules/plug/package.json': { name: 'plug', version: '1.0.0' },
    'node_modules/plug/index.js': "module.exports = (n) => require('./plugins/' + n);\n",
    'node_modules/plug/plugins/a.js': 'module.exports = 1;\n',
    'node_modules/plug/plugins/deep/b.js': 'module.exports = 2;\n',
  });
  try {
    const real = realpathSync(root);
    const pkgs = ['lib', 'plug'].map((n) => { const dir = join(real, 'node_modules', n); return { dir, files: listPackageFiles(dir).code }; });
    const r = computeReachability([join(real, 'main.js')], pkgs);
    const rel = [...r.files].map((f) => f.slice(real.length + 1)).sort();
    assert.deepEqual(rel, ['main.js', 'node_modules/lib/cjs/index.js', 'node_modules/lib/cjs/net-browser.js', 'node_modules/lib/cjs/net-node.js', 'node_modules/lib/cjs/used.js', 'node_modules/lib/esm/index.mjs',
      'node_modules/plug/index.js', 'node_modules/plug/plugins/a.js', 'node_modules/plug/plugins/deep/b.js']);
    assert.deepEqual(r.computed.map((f) => f.slice(real.length + 1)), ['node_modules/plug/index.js']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the opt-in AST cache changes nothing in the report: cold, warm, and without it', async () => {
  const { mkdtempSync, readdirSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { runAudit } = await import('../../src/audit/index.js');
  const { FIXTURE_TREE } = await import('./audit-fixture.js');
  const root = writeTree(FIXTURE_TREE);
  const cacheDir = mkdtempSync(join(tmpdir(), 'hermetic-audit-cache-'));
  try {
    const strip = (r: ReturnType<typeof runAudit>): unknown => ({ ...r, stats: { ...r.stats, durationMs: 0 } });
    const plain = runAudit({ root, prod: false, allowFile: null });
    const cold = runAudit({ root, prod: false, allowFile: null, cacheDir });
    const entries = readdirSync(cacheDir);
    assert.equal(entries.length, 1, 'one folder per rule fingerprint');
    assert.equal(readdirSync(join(cacheDir, entries[0] as string)).length, plain.stats.parsed, 'one entry per parsed file');
    const warm = runAudit({ root, prod: false, allowFile: null, cacheDir });
    assert.deepEqual(strip(cold), strip(plain));
    assert.deepEqual(strip(warm), strip(plain));
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  }
});
