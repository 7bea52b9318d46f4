// Public face of the dependency audit: run it, render it, validate the waiver file.
export { runAudit, runAuditParallel, DEFAULT_MAX_PARSE_BYTES } from './audit.js';
export { loadAllowlist, parseAllowlist, applyWaivers, AllowlistError, type Waiver } from './allowlist.js';
export { buildGraph, ManifestError } from './tree.js';
export { RULES, RULE_IDS, ruleInfo, type RuleInfo } from './rules.js';
export { renderTable, renderRules } from './report/table.js';
export { renderJson } from './report/json.js';
export { renderSarif, type SarifLog } from './report/sarif.js';
export { SEVERITIES, severityOf, severityRank, levelOf } from './severity.js';
export { REPORT_SCHEMA_VERSION } from './types.js';
export type * from './types.js';
