// The whole audit over a small installed tree: graph (prod/dev, nested versions, optional
// and missing dependencies, extraneous packages), package-level rules, code rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { buildGraph, runAudit, runAuditParallel } from '../../src/audit/index.js';
import type { AuditReport, Finding } from '../../src/audit/index.js';
import { FIXTURE_TREE, writeTree } from './audit-fixture.js';

const root = writeTree(FIXTURE_TREE);
test.after(() => rmSync(root, { recursive: true, force: true }));

const all: AuditReport = runAudit({ root, prod: false, allowFile: null });
const prod: AuditReport = runAudit({ root, prod: true, allowFile: null });
const keys = (fs: Finding[], pkg: string): string[] => fs.filter((f) => f.package === pkg).map((f) => `${f.rule}:${f.subject}`).sort();

test('graph: production vs dev, nested versions, optional and extraneous packages', () => {
  const g = buildGraph(root, false);
  const paths = g.packages.map((p) => `${p.relPath}${p.dev ? ' (dev)' : ''}`);
  assert.ok(paths.includes('node_modules/dev-tool (dev)'));
  assert.ok(paths.includes('node_modules/parent-lib/node_modules/shared'), 'nested version resolved from its parent');
  assert.ok(paths.includes('node_modules/shared'));
  assert.ok(!paths.some((p) => p.includes('extraneous')), 'a package nothing depends on is not audited');
  const shared = g.packages.filter((p) => p.name === 'shared').map((p) => p.version).sort();
  assert.deepEqual(shared, ['1.5.0', '2.0.0']);
  assert.deepEqual(g.missing.map((m) => `${m.package}->${m.subject}`), ['needs-missing->not-installed'], 'optional-absent is not reported; a missing required dependency is');
  assert.ok(!buildGraph(root, true).packages.some((p) => p.name === 'dev-tool'));
});

test('package-level rules: telemetry signature, install script with download, native addon', () => {
  assert.deepEqual(keys(all.findings, 'posthog-node'), ['signature/telemetry:posthog-*']);
  assert.deepEqual(keys(all.findings, 'installer'), ['install-script:postinstall', 'runtime-download:postinstall']);
  assert.match(all.findings.find((f) => f.package === 'installer' && f.rule === 'install-script')?.message ?? '', /denied by package\.json allowScripts/);
  assert.deepEqual(keys(all.findings, 'native-thing'), ['install-script:install', 'native-addon:.node', 'native-addon:binding.gyp']);
  const bin = all.findings.filter((f) => f.package === 'bin-shipper');
  assert.deepEqual(bin.map((f) => `${f.rule}:${f.file}`).sort(), ['native-addon:bin/helper', 'network-module:bin/cli'],
    'an executable with ELF magic is native code; an extensionless #!node script is scanned as code');
});

test('code rules land on the right package, file and line', () => {
  const net = all.findings.find((f) => f.package === 'net-user');
  assert.deepEqual({ rule: net?.rule, subject: net?.subject, file: net?.file, line: net?.line }, { rule: 'network-module', subject: 'https', file: 'lib/client.js', line: 2 });
  assert.deepEqual(keys(all.findings, 'fetch-user'), ['network-global:fetch', 'network-global:sendBeacon']);
  assert.deepEqual(keys(all.findings, 'spawner'), ['network-program:curl', 'network-program:wget']);
  assert.deepEqual(keys(all.findings, 'p2p-importer'), ['p2p-import:simple-peer']);
  assert.deepEqual(keys(all.findings, 'broken'), ['network-module:http']);
  assert.deepEqual(keys(all.findings, 'shared'), ['network-module:dgram']);
  assert.equal(all.findings.find((f) => f.package === 'shared')?.version, '1.5.0');
  assert.deepEqual(keys(all.findings, 'meta-only'), []);
  assert.deepEqual(keys(all.notes, 'meta-only'), ['network-module-metadata:http', 'network-module-metadata:net']);
  assert.deepEqual(keys(all.notes, 'dyn'), ['dynamic-code:Function', 'dynamic-code:eval', 'dynamic-require:require()']);
  assert.deepEqual(keys(all.notes, 'broken'), ['parse-failure:parse']);
  assert.deepEqual(keys(all.findings, 'clean-lib'), []);
  assert.deepEqual(keys(all.notes, 'clean-lib'), []);
});

test('scopes: --prod drops dev-only packages and their findings; stats add up', () => {
  // Dev-only: medium by policy, so listed below the default --fail-on (high), not failing.
  assert.deepEqual(keys(all.findings, 'dev-tool'), []);
  assert.deepEqual(keys(all.notes, 'dev-tool'), ['network-module:net']);
  assert.equal(all.notes.find((f) => f.package === 'dev-tool')?.severity, 'medium');
  assert.deepEqual(keys(prod.notes, 'dev-tool'), []);
  assert.equal(prod.scope, 'prod');
  assert.equal(prod.lockfile, 'absent', 'the fixture has no lockfile, and the report says so');
  assert.equal(all.stats.packages, prod.stats.packages + 1);
  assert.ok(!all.ok && !prod.ok);
  const s = all.stats;
  assert.ok(s.files >= 12 && s.parsed > 0 && s.parseFailures === 1, JSON.stringify(s));
});

test('the parallel audit (worker threads) gives the same report as the in-thread one', async () => {
  const par = await runAuditParallel({ root, prod: false, allowFile: null }, 3);
  const strip = (r: AuditReport): unknown => ({ ...r, stats: { ...r.stats, durationMs: 0 } });
  assert.deepEqual(strip(par), strip(all));
});

test('an uninstalled tree is not "clean": direct dependencies that are missing fail the audit', () => {
  const bare = writeTree({ 'package.json': { name: 'bare', version: '1.0.0', dependencies: { 'left-pad': '1' }, devDependencies: { 'some-dev': '1' } } });
  try {
    const r = runAudit({ root: bare, prod: false, allowFile: null });
    assert.equal(r.ok, false);
    assert.deepEqual(r.findings.map((f) => `${f.rule}:${f.level}:${f.subject}`), ['missing-dependency:error:left-pad'], 'devDependencies may be absent');
    assert.equal(r.findings[0]?.severity, 'high');
    assert.equal(r.stats.packages, 0);
  } finally {
    rmSync(bare, { recursive: true, force: true });
  }
});

test('cycles and symlinked (npm link / workspace) packages are audited once, by their real folder', async () => {
  const { symlinkSync } = await import('node:fs');
  const { join } = await import('node:path');
  const t = writeTree({
    'package.json': { name: 'app', version: '1.0.0', dependencies: { a: '1', linked: '1' } },
    'node_modules/a/package.json': { name: 'a', version: '1.0.0', dependencies: { b: '1' } },
    'node_modules/b/package.json': { name: 'b', version: '1.0.0', dependencies: { a: '1' } },
    'packages/linked/package.json': { name: 'linked', version: '0.1.0' },
    'packages/linked/index.js': "module.exports = require('net').connect(1);\n",
  });
  try {
    symlinkSync(join(t, 'packages', 'linked'), join(t, 'node_modules', 'linked'));
    // A symlink loop inside a package must not hang the file walk.
    symlinkSync(join(t, 'packages', 'linked'), join(t, 'packages', 'linked', 'loop'));
    const r = runAudit({ root: t, prod: true, allowFile: null });
    assert.deepEqual(r.packages.map((p) => `${p.name}@${p.relPath}`).sort(), ['a@node_modules/a', 'b@node_modules/b', 'linked@packages/linked']);
    assert.deepEqual(r.findings.map((f) => `${f.package}:${f.rule}:${f.file}`), ['linked:network-module:index.js']);
  } finally {
    rmSync(t, { recursive: true, force: true });
  }
});
