// Issue 8's fixture project (test/fixtures/audit: package.json, index.js and stand-in packages
// under node_modules/): each expected finding with its evidence (file:line:col, snippet, rule,
// severity); reachability (dead file medium, the same file high once an entry reaches it);
// one waiver suppresses exactly one finding; an expired waiver fails; the dependency chain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAudit } from '../../src/audit/index.js';
import type { AuditOptions, AuditReport, Finding } from '../../src/audit/index.js';
import { fixturesDir } from '../helpers/paths.js';

const root = join(fixturesDir, 'audit');
const tmp = mkdtempSync(join(tmpdir(), 'hermetic-audit-i8-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

const audit = (over: Partial<AuditOptions> = {}): AuditReport => runAudit({ root, prod: false, allowFile: null, ...over });
const everything = (r: AuditReport): Finding[] => [...r.findings, ...r.notes, ...r.waived];
const report = audit();

interface Expected { pkg: string; rule: string; subject: string; severity: string; file: string; line: number; column: number; snippet: string }

const EXPECTED: Expected[] = [
  { pkg: 'notifier-user', rule: 'signature/update_check', subject: 'update-notifier', severity: 'critical', file: 'index.js', line: 2, column: 24, snippet: "const updateNotifier = require('update-notifier');" },
  { pkg: 'event-poster', rule: 'hardcoded-host', subject: 'analytics:us.i.posthog.com', severity: 'critical', file: 'index.js', line: 6, column: 29, snippet: "const req = https.request('https://us.i.posthog.com/capture/', { method: 'POST' });" },
  { pkg: 'event-poster', rule: 'network-module', subject: 'https', severity: 'high', file: 'index.js', line: 2, column: 15, snippet: "const https = require('https');" },
  { pkg: 'dead-http', rule: 'network-module', subject: 'http', severity: 'medium', file: 'lib/dead.js', line: 3, column: 14, snippet: "const http = require('http');" },
  { pkg: 'telemetry-optout', rule: 'telemetry-optout-env', subject: 'NEXT_TELEMETRY_DISABLED', severity: 'critical', file: 'index.js', line: 4, column: 23, snippet: 'return !process.env.NEXT_TELEMETRY_DISABLED;' },
  { pkg: 'peer-loader', rule: 'p2p-import', subject: 'simple-peer', severity: 'critical', file: 'index.js', line: 2, column: 14, snippet: "const Peer = require('simple-peer');" },
  { pkg: 'fetch-alias', rule: 'dynamic-access', subject: 'globalThis[…]', severity: 'medium', file: 'index.js', line: 2, column: 11, snippet: "const f = globalThis['fe' + 'tch'];" },
  { pkg: 'fetch-alias', rule: 'network-global', subject: 'fetch', severity: 'high', file: 'index.js', line: 2, column: 11, snippet: "const f = globalThis['fe' + 'tch'];" },
  { pkg: 'dev-only-fetcher', rule: 'network-global', subject: 'fetch', severity: 'medium', file: 'index.js', line: 2, column: 25, snippet: 'module.exports = (u) => fetch(u);' },
];

for (const e of EXPECTED) {
  test(`evidence: ${e.pkg} ${e.rule} ${e.subject} → ${e.severity} at ${e.file}:${e.line}:${e.column}`, () => {
    const f = everything(report).find((x) => x.package === e.pkg && x.rule === e.rule && x.subject === e.subject);
    assert.ok(f, `${e.pkg} ${e.rule} ${e.subject} not reported`);
    assert.deepEqual({ severity: f.severity, file: f.file, line: f.line, column: f.column, snippet: f.snippet },
      { severity: e.severity, file: e.file, line: e.line, column: e.column, snippet: e.snippet });
    assert.equal(f.packagePath, `node_modules/${e.pkg}`);
  });
}

test('package-level evidence: postinstall (high), the update-notifier and simple-peer packages themselves (critical)', () => {
  const pkgLevel = (pkg: string, rule: string): Finding | undefined => report.findings.find((x) => x.package === pkg && x.rule === rule && x.file === undefined);
  assert.equal(pkgLevel('with-postinstall', 'install-script')?.severity, 'high');
  assert.match(pkgLevel('with-postinstall', 'install-script')?.message ?? '', /^postinstall: node setup\.js/);
  assert.equal(pkgLevel('update-notifier', 'signature/update_check')?.severity, 'critical');
  assert.equal(pkgLevel('simple-peer', 'signature/p2p')?.severity, 'critical');
});

test('exactly the expected failing set at the default --fail-on high; nothing from clean or dead code', () => {
  const keys = report.findings.map((f) => `${f.package}:${f.rule}:${f.subject ?? ''}`).sort();
  assert.deepEqual(keys, [
    'event-poster:hardcoded-host:analytics:us.i.posthog.com', 'event-poster:network-module:https',
    'fetch-alias:network-global:fetch', 'notifier-user:signature/update_check:update-notifier',
    'peer-loader:p2p-import:simple-peer', 'simple-peer:signature/p2p:simple-peer',
    'telemetry-optout:telemetry-optout-env:NEXT_TELEMETRY_DISABLED',
    'update-notifier:signature/update_check:update-notifier', 'with-postinstall:install-script:postinstall',
  ]);
  assert.equal(report.ok, false);
  assert.equal(report.reachability.mode, 'entries');
  assert.deepEqual(report.reachability.entries, ['index.js']);
});

test('reachability: the dead file is medium; made reachable by an entry, the same finding is high', () => {
  const dead = (r: AuditReport): Finding | undefined => everything(r).find((x) => x.package === 'dead-http' && x.rule === 'network-module');
  assert.equal(dead(report)?.reachable, false);
  assert.equal(dead(report)?.severity, 'medium');
  const reached = audit({ entries: ['index.js', 'node_modules/dead-http/lib/dead.js'] });
  assert.equal(dead(reached)?.reachable, true);
  assert.equal(dead(reached)?.severity, 'high');
  assert.ok(reached.findings.includes(dead(reached) as Finding));
});

test('the dependency chain and dev/prod per package', () => {
  const pkg = (name: string) => report.packages.find((p) => p.name === name);
  assert.deepEqual(pkg('simple-peer')?.chain, ['peer-loader@1.0.0', 'simple-peer@1.0.0']);
  assert.equal(pkg('simple-peer')?.dev, false);
  assert.equal(pkg('dev-only-fetcher')?.dev, true);
  assert.equal(pkg('dev-only-fetcher')?.reachableFiles, 0);
});

test('--fail-on: critical drops the high findings to the list; medium adds the dead file and the dev package', () => {
  const critical = audit({ failOn: 'critical' });
  assert.ok(critical.findings.every((f) => f.severity === 'critical'));
  assert.ok(critical.notes.some((f) => f.package === 'with-postinstall'));
  const medium = audit({ failOn: 'medium' });
  assert.ok(medium.findings.some((f) => f.package === 'dead-http'));
  assert.ok(medium.findings.some((f) => f.package === 'dev-only-fetcher'));
  assert.ok(report.notes.some((f) => f.package === 'dead-http'));
});

function allowFile(waivers: object[]): string {
  const p = join(tmp, `allow-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(p, JSON.stringify({ waivers }));
  return p;
}
const HOST_WAIVER = { package: 'event-poster', rule: 'hardcoded-host', reason: 'Test waiver: the analytics host in the fixture stand-in is reviewed for this test.' };

test('a waiver suppresses exactly one finding, and nothing else changes', () => {
  const waived = audit({ allowFile: allowFile([HOST_WAIVER]) });
  assert.equal(waived.waived.length, 1);
  assert.equal(waived.waived[0]?.subject, 'analytics:us.i.posthog.com');
  const key = (f: Finding): string => `${f.package}:${f.rule}:${f.subject ?? ''}:${f.file ?? ''}`;
  const before = report.findings.map(key);
  const after = waived.findings.map(key);
  assert.equal(after.length, before.length - 1);
  assert.deepEqual(before.filter((k) => !after.includes(k)), ['event-poster:hardcoded-host:analytics:us.i.posthog.com:index.js']);
  assert.deepEqual(waived.notes.map(key), report.notes.map(key));
});

test('an expired waiver waives nothing and fails the audit; the day before expiry it still waives', () => {
  const file = allowFile([{ ...HOST_WAIVER, expires: '2026-03-31' }]);
  const valid = audit({ allowFile: file, today: new Date('2026-03-31T12:00:00Z') });
  assert.equal(valid.waived.length, 1);
  assert.deepEqual(valid.expiredWaivers, []);
  const expired = audit({ allowFile: file, today: new Date('2026-04-01T00:00:01Z') });
  assert.equal(expired.waived.length, 0);
  assert.deepEqual(expired.expiredWaivers, [{ index: 0, package: 'event-poster', rule: 'hardcoded-host', expires: '2026-03-31' }]);
  assert.ok(expired.findings.some((f) => f.rule === 'hardcoded-host'));
  // Even with every failing finding below the threshold, the expired waiver alone fails.
  const onlyExpired = audit({ allowFile: file, today: new Date('2026-04-01T00:00:01Z'), failOn: 'critical', entries: ['node_modules/dead-http/index.js'], prod: true });
  assert.deepEqual(onlyExpired.findings.filter((f) => f.package !== 'with-postinstall' && f.severity === 'critical'), []);
  assert.equal(onlyExpired.ok, false);
  assert.equal(onlyExpired.expiredWaivers.length, 1);
});

test('info: a known host named in a comment or in documentation', () => {
  const docs = report.notes.filter((f) => f.rule === 'host-in-comment');
  assert.deepEqual(docs.map((f) => `${f.package}:${f.file}:${f.line}:${f.severity}:${f.subject}`).sort(), [
    'event-poster:README.md:3:info:analytics:us.i.posthog.com',
    'event-poster:index.js:4:info:analytics:eu.i.posthog.com',
  ]);
});
