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
  locations: Array<{ physicalLocation: { artifactLocation: { uri: string; uriBaseId: string }; region?: { startLine: number; startColumn?: number; snippet?: { text: string } } } }>;
  suppressions?: Array<{ kind: 'external'; status: 'accepted'; justification: string }>;
  properties: { package: string; version: string; purl: string; severity: string; reachable: boolean; dev: boolean; chain: string[]; subject?: string };
}

/** A relative path as a URI reference: each segment percent-encoded, slashes kept. */
function uriRef(path: string): string {
  return path.split('/').map((s) => encodeURIComponent(s)).join('/');
}

/** Package URL (purl spec): pkg:npm/%40scope/name@version. */
export function purl(name: string, version: string): string {
  const n = name.startsWith('@') ? `%40${name.slice(1)}` : name;
  return `pkg:npm/${n}@${encodeURIComponent(version)}`;
}

function result(f: Finding, waived: WaivedFinding | null, chains: ReadonlyMap<string, string[]>): SarifResult {
  const file = f.file ? `${f.packagePath}/${f.file}` : `${f.packagePath}/package.json`;
  const region = f.line !== undefined ? { startLine: f.line, ...(f.column !== undefined ? { startColumn: f.column } : {}), ...(f.snippet ? { snippet: { text: f.snippet } } : {}) } : undefined;
  return {
    ruleId: f.rule,
    ruleIndex: RULE_IDS.indexOf(f.rule),
    level: f.level,
    message: { text: `${f.package}@${f.version}: ${f.message}` },
    locations: [{ physicalLocation: { artifactLocation: { uri: uriRef(file.replace(/^\.\//, '')), uriBaseId: 'ROOT' }, ...(region ? { region } : {}) } }],
    ...(waived ? { suppressions: [{ kind: 'external' as const, status: 'accepted' as const, justification: waived.waiver.reason }] } : {}),
    properties: { package: f.package, version: f.version, purl: purl(f.package, f.version), severity: f.severity, reachable: f.reachable, dev: f.dev, chain: chains.get(f.packagePath) ?? [], ...(f.subject !== undefined ? { subject: f.subject } : {}) },
  };
}

export function renderSarif(report: AuditReport): SarifLog {
  const chains = new Map(report.packages.map((p) => [p.relPath, p.chain]));
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
        ...report.findings.map((f) => result(f, null, chains)),
        ...report.waived.map((f) => result(f, f, chains)),
        ...report.notes.map((f) => result(f, null, chains)),
      ],
      properties: { schemaVersion: report.schemaVersion, failOn: report.failOn, reachability: report.reachability, expiredWaivers: report.expiredWaivers, scope: report.scope, lockfile: report.lockfile, stats: report.stats, ok: report.ok, unusedWaivers: report.unusedWaivers, ...(report.systemTools ? { systemTools: report.systemTools } : {}) },
    }],
  };
}
