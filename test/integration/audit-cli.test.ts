// `hermetic audit` end to end: exit codes, formats, waivers, and the SARIF output validated
// against the official SARIF 2.1.0 JSON schema (shipped offline in test/fixtures/audit, see
// its README) with Ajv's draft-04 validator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { cliPath, fixturesDir, testNode } from '../helpers/paths.js';
import { FIXTURE_TREE, writeTree } from '../unit/audit-fixture.js';
import { RULE_IDS } from '../../src/audit/index.js';
import type { AuditReport, SarifLog } from '../../src/audit/index.js';

// Ajv ships CommonJS; createRequire keeps its constructor types intact under NodeNext.
const require = createRequire(import.meta.url);
const Ajv04 = require('ajv-draft-04') as typeof import('ajv-draft-04').default;
const addFormats = require('ajv-formats') as typeof import('ajv-formats').default;

const root = writeTree(FIXTURE_TREE);
test.after(() => rmSync(root, { recursive: true, force: true }));

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(testNode, [cliPath, 'audit', ...args], { encoding: 'utf8', timeout: 120_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function sarifValidator(): (data: unknown) => { ok: boolean; errors: string } {
  const schema = JSON.parse(readFileSync(join(fixturesDir, 'audit', 'sarif-schema-2.1.0-rtm.5.json'), 'utf8')) as object;
  // unicodeRegExp off: the published schema's `language` pattern has a stray `]`, which is a
  // syntax error under the `u` flag but a literal character without it (as the schema intends).
  const ajv = new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  return (data) => ({ ok: validate(data) === true, errors: JSON.stringify(validate.errors?.slice(0, 5)) });
}

test('findings → exit 1 with a table that names them; --help exits 0', () => {
  const r = cli('--root', root);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /NOT WAIVED/);
  // Grouped by package, worst first: the telemetry package (critical) before the spawner (high).
  assert.match(r.stdout, /posthog-node@3\.0\.0 \(prod[^\n]*\n\s+CRITICAL signature\/telemetry/);
  assert.match(r.stdout, /spawner@1\.0\.0 \(prod[^\n]*\n\s+HIGH\s+network-program/);
  assert.ok(r.stdout.indexOf('posthog-node@3.0.0') < r.stdout.indexOf('spawner@1.0.0'));
  assert.match(r.stdout, /Result: FAIL/);
  assert.doesNotMatch(r.stdout.split('Below')[0] ?? '', /dev-tool/, 'dev-only is medium: below --fail-on high');
  assert.match(cli('--root', root, '--fail-on', 'medium').stdout, /dev-tool@1\.0\.0 \(dev/);
  assert.equal(cli('--help').status, 0);
  const verbose = cli('--root', root, '--verbose');
  assert.match(verbose.stdout, /Hosts named in URL literals/);
  assert.match(verbose.stdout, /fetch-user@1\.0\.0: collector\.invalid/);
  const ruleList = cli('--rules');
  assert.equal(ruleList.status, 0);
  for (const id of RULE_IDS) assert.match(ruleList.stdout, new RegExp(`^${id.replace('/', '\\/')}\\s`, 'm'));
});

test('JSON report: scope, stats and findings; --prod drops the dev tool', () => {
  const all = JSON.parse(cli('--root', root, '--json').stdout) as AuditReport;
  const prod = JSON.parse(cli('--root', root, '--json', '--prod').stdout) as AuditReport;
  assert.equal(all.scope, 'all');
  assert.equal(prod.scope, 'prod');
  assert.equal(all.schemaVersion, 2);
  assert.equal(all.failOn, 'high');
  assert.ok(all.notes.some((f) => f.package === 'dev-tool' && f.severity === 'medium'));
  assert.ok(!prod.notes.some((f) => f.package === 'dev-tool') && !prod.findings.some((f) => f.package === 'dev-tool'));
  const medium = JSON.parse(cli('--root', root, '--json', '--fail-on', 'medium').stdout) as AuditReport;
  assert.ok(medium.findings.some((f) => f.package === 'dev-tool'));
  assert.equal(all.ok, false);
  assert.equal(cli('--root', root, '--fail-on', 'severe').status, 2);
  assert.equal(cli('--root', root, '--prod', '--all').status, 2);
});

test('waivers: a complete, reasoned waiver file turns the result to OK (exit 0); --no-allow ignores it', () => {
  const base = JSON.parse(cli('--root', root, '--json', '--prod').stdout) as AuditReport;
  const pairs = [...new Set(base.findings.map((f) => `${f.package}\0${f.rule}`))];
  const waivers = pairs.map((p) => {
    const [pkg, rule] = p.split('\0') as [string, string];
    return { package: pkg, rule, reason: `Fixture package ${pkg}: reviewed for the test of the waiver mechanism.` };
  });
  const allow = join(root, 'audit-allow.json');
  writeFileSync(allow, JSON.stringify({ waivers }));
  const ok = cli('--root', root, '--prod');
  assert.equal(ok.status, 0, ok.stdout);
  assert.match(ok.stdout, /Result: OK/);
  assert.match(ok.stdout, /why: Fixture package posthog-node/);
  assert.equal(cli('--root', root, '--prod', '--no-allow').status, 1);
  // A waiver for an audited package that matches nothing is stale: reported, and fatal with --strict-waivers.
  writeFileSync(allow, JSON.stringify({ waivers: [...waivers, { package: 'clean-lib', rule: 'native-addon', reason: 'Stale on purpose: clean-lib has no native code at all.' }] }));
  const staleRun = cli('--root', root, '--prod');
  assert.equal(staleRun.status, 0);
  assert.match(staleRun.stdout, /STALE waivers .*clean-lib native-addon/);
  assert.equal(cli('--root', root, '--prod', '--strict-waivers').status, 1);
  // The dev tool is not waived: the full scope fails once medium fails.
  assert.equal(cli('--root', root).status, 0);
  assert.equal(cli('--root', root, '--fail-on', 'medium').status, 1);
  rmSync(allow);
});

test('an invalid waiver file is a usage error (exit 2), not "no waivers"', () => {
  const bad = join(root, 'bad-allow.json');
  writeFileSync(bad, JSON.stringify({ waivers: [{ package: '*', rule: 'native-addon', reason: 'all of them' }] }));
  const r = cli('--root', root, '--allow', bad);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /AUDIT|wildcards|30 characters/);
  assert.equal(cli('--root', root, '--format', 'xml').status, 2);
});

test('SARIF output validates against the SARIF 2.1.0 schema and carries suppressions', () => {
  const validate = sarifValidator();
  const allow = join(root, 'sarif-allow.json');
  writeFileSync(allow, JSON.stringify({ waivers: [{ package: 'native-thing', rule: 'native-addon', reason: 'Fixture: reviewed native addon, kept to test SARIF suppressions.' }] }));
  const out = join(root, 'report.sarif');
  const r = cli('--root', root, '--sarif', '--allow', allow, '-o', out);
  assert.equal(r.status, 1);
  const log = JSON.parse(readFileSync(out, 'utf8')) as SarifLog;
  const v = validate(log);
  assert.ok(v.ok, v.errors);
  const results = log.runs[0]?.results ?? [];
  assert.ok(results.some((x) => x.ruleId === 'network-program' && x.level === 'error'));
  const suppressed = results.filter((x) => x.suppressions?.length);
  assert.equal(suppressed.length, 2);
  assert.ok(suppressed.every((x) => x.properties.package === 'native-thing'));
  // Positive control: the validator does reject a broken log.
  assert.equal(validate({ ...log, version: '2.0.0' }).ok, false);
  assert.equal(validate({ version: '2.1.0', runs: [{ results: [{ message: { text: 'x' } }] }] }).ok, false);
});

test('the audit makes no network attempt: recorder preload sees none, canary sees none (positive control first)', async () => {
  const { startCanary } = await import('../helpers/canary.js');
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const canary = await startCanary();
  const dir = mkdtempSync(join(tmpdir(), 'hermetic-audit-net-'));
  const preload = join(fixturesDir, 'audit', 'network-recorder.mjs');
  try {
    // Control: the recorder sees a real loopback connection, and the canary receives it. The
    // child runs asynchronously: the canary lives in this process and must keep accepting.
    const controlLog = join(dir, 'control.log');
    const { spawn } = await import('node:child_process');
    const child = spawn(testNode, ['--import', preload, '-e',
      `const s = require('node:net').connect(${canary.tcpPort}, '127.0.0.1', () => s.destroy()); s.on('error', () => process.exit(3));`],
    { env: { ...process.env, HERMETIC_NET_LOG: controlLog }, stdio: 'ignore' });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.equal(code, 0);
    assert.match(readFileSync(controlLog, 'utf8'), /net\.Socket\.connect/);
    for (let i = 0; i < 50 && canary.tcpConnections === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(canary.tcpConnections, 1);

    const auditLog = join(dir, 'audit.log');
    writeFileSync(auditLog, '');
    const r = spawnSync(testNode, ['--import', preload, cliPath, 'audit', '--root', root, '--json'],
      { encoding: 'utf8', env: { ...process.env, HERMETIC_NET_LOG: auditLog }, timeout: 120_000 });
    assert.equal(r.status, 1, r.stderr); // the fixture tree has findings
    assert.equal(readFileSync(auditLog, 'utf8'), '', 'no network attempt recorded during the audit');
    assert.equal(canary.tcpConnections, 1, 'nothing new reached the canary');
  } finally {
    await canary.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the audit's own code has no network capability (scanned with its own rules)", async () => {
  const { readdirSync } = await import('node:fs');
  const { scanText } = await import('../../src/audit/scan/index.js');
  const { repoRoot } = await import('../helpers/paths.js');
  const files: string[] = [join(repoRoot, 'dist', 'src', 'cli', 'audit.js')];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.js')) files.push(join(d, e.name));
    }
  };
  walk(join(repoRoot, 'dist', 'src', 'audit'));
  assert.ok(files.length >= 10, `found ${files.length} compiled audit files`);
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    const r = scanText(text, text.length, { prefer: 'module', deep: true, maxParseBytes: 1 << 23, reachable: true }, new Set());
    assert.equal(r.how, 'parsed', f);
    const risky = r.findings.filter((x) => x.rule !== 'network-module-metadata');
    assert.deepEqual(risky, [], f);
  }
});

test('SARIF of a real installed tree (@fastify/static and its dependencies) validates', () => {
  // @fastify/static is a devDependency for exactly this test: a real, installed third-party tree
  // with known findings. Hermetic itself serves its UI from an in-memory file list.
  const { repoRoot } = { repoRoot: join(fixturesDir, '..', '..') };
  const out = join(root, 'static.sarif');
  // The root package's own code is not audited, only what it depends on (found the way Node
  // resolves it, here hoisted one level up).
  const staticDir = join(repoRoot, 'node_modules', '@fastify', 'static');
  // @fastify/send's examples create servers, but no entry point of @fastify/static reaches
  // them: medium, listed, not failing at the default --fail-on high; failing at medium.
  const r = cli('--root', staticDir, '--prod', '--no-allow', '--sarif', '-o', out);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(cli('--root', staticDir, '--prod', '--no-allow', '--fail-on', 'medium').status, 1);
  const log = JSON.parse(readFileSync(out, 'utf8')) as SarifLog;
  const v = sarifValidator()(log);
  assert.ok(v.ok, v.errors);
  const results = log.runs[0]?.results ?? [];
  const send = results.find((x) => x.ruleId === 'network-module' && x.properties.package === '@fastify/send' && /examples\//.test(x.locations[0]?.physicalLocation.artifactLocation.uri ?? ''));
  assert.match(send?.locations[0]?.physicalLocation.artifactLocation.uri ?? '', /^\.\.\/send\/examples\//);
  assert.equal(send?.level, 'warning');
  assert.equal(send?.properties.reachable, false);
  assert.match(send?.properties.purl ?? '', /^pkg:npm\/%40fastify\/send@\d/);
});

test("SARIF of issue 8's fixture project validates: ruleId, level, region with snippet, purl", () => {
  const out = join(root, 'fixture8.sarif');
  const r = cli('--dir', join(fixturesDir, 'audit', 'node_modules'), '--sarif', '-o', out);
  assert.equal(r.status, 1, r.stderr);
  const log = JSON.parse(readFileSync(out, 'utf8')) as SarifLog;
  const v = sarifValidator()(log);
  assert.ok(v.ok, v.errors);
  const host = log.runs[0]?.results.find((x) => x.ruleId === 'hardcoded-host');
  assert.equal(host?.level, 'error');
  assert.deepEqual(host?.locations[0]?.physicalLocation.region,
    { startLine: 6, startColumn: 29, snippet: { text: "const req = https.request('https://us.i.posthog.com/capture/', { method: 'POST' });" } });
  assert.equal(host?.locations[0]?.physicalLocation.artifactLocation.uri, 'node_modules/event-poster/index.js');
  assert.equal(host?.properties.purl, 'pkg:npm/event-poster@1.0.0');
  assert.equal(host?.properties.severity, 'critical');
  const peer = log.runs[0]?.results.find((x) => x.ruleId === 'signature/p2p');
  assert.deepEqual(peer?.properties.chain, ['peer-loader@1.0.0', 'simple-peer@1.0.0']);
});

test('--dir on a node_modules folder with no package.json beside it audits every installed package', () => {
  const dir = writeTree({
    'node_modules/alpha/package.json': { name: 'alpha', version: '1.0.0' },
    'node_modules/alpha/index.js': "require('dgram').createSocket('udp4');\n",
    'node_modules/@scope/beta/package.json': { name: '@scope/beta', version: '2.0.0' },
    'node_modules/@scope/beta/index.js': 'module.exports = 1;\n',
  });
  try {
    const r = cli('--dir', join(dir, 'node_modules'), '--json');
    assert.equal(r.status, 1, r.stderr);
    const report = JSON.parse(r.stdout) as AuditReport;
    assert.deepEqual(report.packages.map((p) => p.name).sort(), ['@scope/beta', 'alpha']);
    assert.equal(report.reachability.mode, 'unknown');
    assert.ok(report.findings.some((f) => f.package === 'alpha' && f.rule === 'network-module' && f.subject === 'dgram' && f.severity === 'high'));
    assert.equal(cli('--dir', join(dir, 'nowhere')).status, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
