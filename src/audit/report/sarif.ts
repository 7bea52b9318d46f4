// SARIF 2.1.0 (OASIS), for code-scanning UIs. Waived findings are included with an external,
// accepted suppression carrying the waiver's reason, so a reviewer sees what was accepted and
// why. Package-level findings point at the package's package.json.
import { pathToFileURL } from 'node:url';
import { RULE_IDS, ruleInfo } from '../rules.js';
import type { AuditReport, Finding, FindingLevel, WaivedFinding } from '../types.js';

export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: SarifRun[];
}

interface SarifMessage { text: string }

interface SarifRun {
  tool: { driver: { name: string; version: string; semanticVersion: string; rules: SarifRule[] } };
  originalUriBaseIds: Record<string, { uri: string }>;
  invocations: Array<{ executionSuccessful: boolean }>;
  results: SarifResult[];
  properties: Record<string, unknown>;
}

interface SarifRule {
  id: string;
  name: string;
  shortDescription: SarifMessage;
  fullDescription: SarifMessage;
  defaultConfiguration: { level: FindingLevel };
}

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: FindingLevel;
  message: SarifMessage;
  locations: Array<{ physicalLocation: { artifactLocation: { uri: string; uriBaseId: string }; region?: { startLine: number; startColumn?: number } } }>;
  suppressions?: Array<{ kind: 'external'; status: 'accepted'; justification: string }>;
  properties: { package: string; version: string; subject?: string };
}

/** A relative path as a URI reference: each segment percent-encoded, slashes kept. */
function uriRef(path: string): string {
  return path.split('/').map((s) => encodeURIComponent(s)).join('/');
}

function result(f: Finding, waived: WaivedFinding | null): SarifResult {
  const file = f.file ? `${f.packagePath}/${f.file}` : `${f.packagePath}/package.json`;
  const region = f.line !== undefined ? { startLine: f.line, ...(f.column !== undefined ? { startColumn: f.column } : {}) } : undefined;
  return {
    ruleId: f.rule,
    ruleIndex: RULE_IDS.indexOf(f.rule),
    level: f.level,
    message: { text: `${f.package}@${f.version}: ${f.message}` },
    locations: [{ physicalLocation: { artifactLocation: { uri: uriRef(file.replace(/^\.\//, '')), uriBaseId: 'ROOT' }, ...(region ? { region } : {}) } }],
    ...(waived ? { suppressions: [{ kind: 'external' as const, status: 'accepted' as const, justification: waived.waiver.reason }] } : {}),
    properties: { package: f.package, version: f.version, ...(f.subject !== undefined ? { subject: f.subject } : {}) },
  };
}

export function renderSarif(report: AuditReport): SarifLog {
  const rootUri = pathToFileURL(report.root.endsWith('/') ? report.root : `${report.root}/`).href;
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: report.tool.name, version: report.tool.version, semanticVersion: report.tool.version,
          rules: RULE_IDS.map((id) => {
            const r = ruleInfo(id);
            return { id, name: r.title, shortDescription: { text: r.title }, fullDescription: { text: r.help }, defaultConfiguration: { level: r.level } };
          }),
        },
      },
      originalUriBaseIds: { ROOT: { uri: rootUri } },
      invocations: [{ executionSuccessful: true }],
      results: [
        ...report.findings.map((f) => result(f, null)),
        ...report.waived.map((f) => result(f, f)),
        ...report.notes.map((f) => result(f, null)),
      ],
      properties: { scope: report.scope, lockfile: report.lockfile, stats: report.stats, ok: report.ok, unusedWaivers: report.unusedWaivers },
    }],
  };
}
