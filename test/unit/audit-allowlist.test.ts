// Waivers: one package, one rule, a real reason; narrowed by paths/subjects/versions; stale
// waivers are listed. A malformed file is an error (exit 2), never "no waivers".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AllowlistError, applyWaivers, parseAllowlist } from '../../src/audit/index.js';
import type { Finding } from '../../src/audit/index.js';
import { repoRoot } from '../helpers/paths.js';

const REASON = 'Only the test suite imports it; never loaded at run time by our code.';
const finding = (over: Partial<Finding> = {}): Finding => ({
  rule: 'network-module', level: 'warning', severity: 'medium', reachable: false, dev: false, package: 'lib', version: '1.0.0', packagePath: 'node_modules/lib',
  file: 'test/a.js', line: 1, message: "requires 'http'", subject: 'http', ...over,
});
const file = (waivers: object[]): string => JSON.stringify({ waivers });

test('a valid waiver file parses', () => {
  const w = parseAllowlist(file([{ package: 'lib', rule: 'network-module', reason: REASON, paths: ['test/'] }]), 'x.json');
  assert.equal(w.length, 1);
});

test('rejects wildcards, unknown rules, empty or token reasons, unknown keys, bad JSON', () => {
  const bad: Array<[string, RegExp]> = [
    [file([{ package: '*', rule: 'network-module', reason: REASON }]), /wildcards/],
    [file([{ package: '@scope/*', rule: 'network-module', reason: REASON }]), /wildcards/],
    [file([{ package: 'lib', rule: 'network-everything', reason: REASON }]), /rule/],
    [file([{ package: 'lib', rule: 'native-addon', reason: 'ok' }]), /30 characters/],
    [file([{ package: 'lib', rule: 'native-addon', reason: '                     false positive           ' }]), /reason/],
    [file([{ package: 'lib', rule: 'native-addon', reason: REASON, because: 'x' }]), /Unrecognized key|unrecognized/i],
    [file([{ package: 'lib', rule: 'native-addon' }]), /reason/],
    ['{ "waivers": [', /not valid JSON/],
  ];
  for (const [text, re] of bad) {
    assert.throws(() => parseAllowlist(text, 'x.json'), (e: unknown) => e instanceof AllowlistError && e.exitCode === 2 && re.test(e.message), text);
  }
});

test('matching: package and rule must both match; paths, subjects and versions narrow it', () => {
  const w = parseAllowlist(file([
    { package: 'lib', rule: 'network-module', reason: REASON, paths: ['test/'], subjects: ['http'], versions: ['1.0.0'] },
  ]), 'x.json');
  const cases: Array<[Partial<Finding>, boolean]> = [
    [{}, true],
    [{ file: 'test/deep/b.js' }, true],
    [{ file: 'testing/a.js' }, false], // a path prefix is a folder, not a string prefix
    [{ file: 'lib/index.js' }, false],
    [{ file: undefined }, false],
    [{ subject: 'net' }, false],
    [{ version: '1.0.1' }, false],
    [{ package: 'other' }, false],
    [{ rule: 'network-global' }, false],
  ];
  for (const [over, waived] of cases) {
    const out = applyWaivers([finding(over)], w);
    assert.equal(out.waived.length, waived ? 1 : 0, JSON.stringify(over));
    assert.equal(out.failing.length, waived ? 0 : 1, JSON.stringify(over));
  }
});

test('waived findings carry the reason; waivers that matched nothing are listed', () => {
  const w = parseAllowlist(file([
    { package: 'lib', rule: 'network-module', reason: REASON },
    { package: 'gone', rule: 'native-addon', reason: 'The addon was removed in the last upgrade of gone.' },
  ]), 'x.json');
  const out = applyWaivers([finding()], w);
  assert.equal(out.waived[0]?.waiver.reason, REASON);
  assert.deepEqual(out.unused, [{ index: 1, package: 'gone', rule: 'native-addon', status: 'out-of-scope' }]);
  // The package is audited but nothing matched: stale.
  const stale = applyWaivers([finding()], w, new Set(['lib', 'gone']));
  assert.deepEqual(stale.unused, [{ index: 1, package: 'gone', rule: 'native-addon', status: 'stale' }]);
});

test("the project's own audit-allow.json is valid and every waiver has a distinct reason", () => {
  const waivers = parseAllowlist(readFileSync(join(repoRoot, 'audit-allow.json'), 'utf8'), 'audit-allow.json');
  assert.ok(waivers.length > 0);
  assert.equal(new Set(waivers.map((w) => w.reason)).size, waivers.length, 'no copy-pasted reasons');
});
