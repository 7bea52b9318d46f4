// Package-level checks, from package.json and the folder's top level: signature matches,
// install-time scripts (and who is allowed to run them), downloads, native addons.
import { PACKAGE_SIGNATURES, matchesPattern } from '../signatures/index.js';
import type { Finding, PackageNode, RuleId } from './types.js';
import { ruleInfo } from './rules.js';

/** The scripts npm runs when a package is installed as a dependency. */
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'] as const;

/** Install commands that fetch a binary from somewhere other than the npm registry. */
const DOWNLOADERS: ReadonlyArray<{ re: RegExp; what: string }> = [
  { re: /\bprebuild-install\b/, what: 'prebuild-install (downloads a prebuilt binary from GitHub releases unless build-from-source is set)' },
  { re: /\bnode-pre-gyp\b[^&|;]*\binstall\b/, what: 'node-pre-gyp install (downloads a prebuilt binary)' },
  { re: /\b(?:curl|wget)\b/, what: 'curl/wget in an install script' },
  { re: /\bnpx\s/, what: 'npx (may fetch and run a package at install time)' },
];

function finding(pkg: PackageNode, rule: RuleId, message: string, subject?: string): Finding {
  return {
    // Severity, level and reachability are settled by the audit once reachability is known.
    rule, level: ruleInfo(rule).level, severity: 'info', reachable: true, dev: pkg.dev, package: pkg.name, version: pkg.version, packagePath: pkg.relPath,
    message, ...(subject !== undefined ? { subject } : {}),
  };
}

/** Which of the root's `allowScripts` entries applies (LavaMoat-style `name` or `name@range`). */
function allowScriptsPolicy(allow: Record<string, boolean> | undefined, name: string): boolean | undefined {
  if (!allow) return undefined;
  for (const [key, value] of Object.entries(allow)) {
    const keyName = key.startsWith('@') ? `@${key.slice(1).split('@')[0]}` : key.split('@')[0];
    if (keyName === name) return value;
  }
  return undefined;
}

export function checkManifest(pkg: PackageNode, rootAllowScripts: Record<string, boolean> | undefined, topLevelNames: string[]): Finding[] {
  const out: Finding[] = [];
  const m = pkg.manifest;

  for (const sig of PACKAGE_SIGNATURES) {
    if (matchesPattern(pkg.name, sig.pattern)) {
      out.push(finding(pkg, `signature/${sig.category}` as RuleId, `package '${pkg.name}' matches signature '${sig.pattern}': ${sig.why}`, sig.pattern));
    }
  }

  const policy = allowScriptsPolicy(rootAllowScripts, pkg.name);
  const policyText = policy === undefined ? 'not listed in allowScripts'
    : policy ? 'allowed by package.json allowScripts'
      : 'denied by package.json allowScripts (npm itself does not read allowScripts: it is enforced only where installs run with --ignore-scripts or an allow-scripts tool)';
  const scripts = m.scripts ?? {};
  let hasInstallScript = false;
  for (const name of INSTALL_SCRIPTS) {
    const cmd = scripts[name];
    if (typeof cmd !== 'string' || !cmd.trim()) continue;
    hasInstallScript = true;
    out.push(finding(pkg, 'install-script', `${name}: ${cmd} — ${policyText}`, name));
    for (const d of DOWNLOADERS) {
      if (d.re.test(cmd)) out.push(finding(pkg, 'runtime-download', `${name} runs ${d.what}: ${cmd}`, name));
    }
  }
  const hasGyp = topLevelNames.includes('binding.gyp');
  if (hasGyp && !hasInstallScript) {
    // npm runs `node-gyp rebuild` itself when a package has binding.gyp and no install script.
    out.push(finding(pkg, 'install-script', `implicit install: node-gyp rebuild (binding.gyp present) — ${policyText}`, 'install'));
  }
  if (m.binary && typeof m.binary === 'object' && ('host' in m.binary || 'module_path' in m.binary)) {
    out.push(finding(pkg, 'runtime-download', `package.json "binary" points node-pre-gyp at ${String(m.binary.host ?? 'a download host')}`, 'binary'));
  }
  if (hasGyp || m.gypfile === true) {
    out.push(finding(pkg, 'native-addon', 'native addon built from source (binding.gyp)', 'binding.gyp'));
  }
  return out;
}

/** Native binaries found while listing the package's files. */
export function nativeBinaryFindings(pkg: PackageNode, nodeFiles: string[]): Finding[] {
  if (!nodeFiles.length) return [];
  const shown = nodeFiles.slice(0, 5).join(', ') + (nodeFiles.length > 5 ? `, … (${nodeFiles.length} in all)` : '');
  return [{ ...finding(pkg, 'native-addon', `native code: ${shown}`, '.node'), file: nodeFiles[0] as string }];
}

