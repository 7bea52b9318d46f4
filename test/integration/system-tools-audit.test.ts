// `hermetic audit` lists the programs the system converters run, with their versions and apt
// packages, as a section of its own: the JSON from the CLI, and the table and SARIF rendered from
// that same report; `--no-system-tools` leaves the section out (the audit then executes nothing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { renderSarif, renderTable, type AuditReport, type SystemToolEntry } from '../../src/audit/index.js';
import { cliPath, testNode } from '../helpers/paths.js';
import { noJail, tools } from '../helpers/system-harness.js';

test('`hermetic audit` lists the system tools with their versions (JSON; the same report as table and SARIF); --no-system-tools leaves them out', { skip: noJail }, () => {
  const run = (...args: string[]) => spawnSync(testNode, [cliPath, 'audit', '--prod', ...args], { encoding: 'utf8', timeout: 170_000 });
  const json = run('--json');
  assert.ok(json.status === 0 || json.status === 1, json.stderr);
  const report = JSON.parse(json.stdout) as AuditReport;
  assert.deepEqual(report.systemTools?.map((e) => e.id), ['libreoffice', 'pandoc', 'imagemagick', 'qpdf', 'tesseract']);
  for (const t of tools.tools) {
    const got: SystemToolEntry = report.systemTools!.find((x) => x.id === t.id)!;
    assert.equal(got.available, t.available);
    assert.equal(got.version, t.version);
    assert.ok(got.apt.length > 0);
  }
  assert.equal((renderSarif(report).runs[0]!.properties['systemTools'] as unknown[]).length, 5);
  const table = renderTable(report);
  assert.match(table, /System tools \(programs the office\/system converters run/);
  for (const t of tools.tools) assert.ok(table.includes(t.available ? t.version! : 'NOT AVAILABLE'), `${t.name} in the table`);
  const without = JSON.parse(run('--json', '--no-system-tools').stdout) as AuditReport;
  assert.equal(without.systemTools, undefined);
});
