// The severity policy of issue 8, in one place:
//   critical — telemetry, update check, P2P, runtime download, reachable from our code;
//   high     — install script; network capability (builtin, global, program, native code)
//              reachable in production;
//   medium   — the same things in dev-only packages or in files our code cannot reach;
//   info     — URLs in comments or docs, and what static analysis could not follow.
import type { FindingLevel, RuleId, Severity } from './types.js';

export const SEVERITIES: readonly Severity[] = ['info', 'medium', 'high', 'critical'];

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

type RuleClass = 'critical' | 'high' | 'install' | 'capability' | 'warning' | 'info';

const CLASS: Record<RuleId, RuleClass> = {
  'signature/p2p': 'critical', 'signature/telemetry': 'critical', 'signature/update_check': 'critical',
  'signature/connectivity_probe': 'critical', 'signature/runtime_download': 'critical',
  'p2p-import': 'critical', 'p2p-url': 'critical', 'telemetry-optout-env': 'critical', 'hardcoded-host': 'critical', 'runtime-download-default': 'critical',
  'network-module': 'high', 'network-global': 'high', 'network-program': 'high', 'native-addon': 'high',
  'install-script': 'install', 'runtime-download': 'install', 'lockfile-source': 'install',
  'child-process': 'capability', 'dynamic-code': 'capability',
  'dynamic-access': 'warning',
  'network-module-metadata': 'info', 'dynamic-require': 'info', 'parse-failure': 'info', 'lexical-scan': 'info',
  'host-in-comment': 'info', 'missing-dependency': 'info',
};

export interface SeverityContext {
  /** The package is reachable only through devDependencies. */
  dev: boolean;
  /** The file (or, for package-level findings, the package) is reachable from our entry points. */
  reachable: boolean;
  /** A direct dependency of the audited project (for missing-dependency). */
  direct?: boolean;
}

export function severityOf(rule: RuleId, ctx: SeverityContext): Severity {
  const live = !ctx.dev && ctx.reachable;
  switch (CLASS[rule]) {
    case 'critical': return live ? 'critical' : 'medium';
    case 'high': return live ? 'high' : 'medium';
    // npm runs install scripts whether or not any code is ever loaded.
    case 'install': return ctx.dev ? 'medium' : 'high';
    case 'capability': return live ? 'medium' : 'info';
    case 'warning': return 'medium';
    case 'info': return rule === 'missing-dependency' && ctx.direct ? 'high' : 'info';
  }
}

/** SARIF's three levels. */
export function levelOf(s: Severity): FindingLevel {
  return s === 'critical' || s === 'high' ? 'error' : s === 'medium' ? 'warning' : 'note';
}
