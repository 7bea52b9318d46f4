// Shapes shared by the dependency audit: what a package is, what a finding is, what a
// waiver is, and the report that every output format (table, JSON, SARIF) is made from.

/** error and warning fail the audit unless waived; a note is information only. */
export type FindingLevel = 'error' | 'warning' | 'note';

/** Issue 8's policy (see severity.ts); `--fail-on` picks the lowest one that fails. */
export type Severity = 'critical' | 'high' | 'medium' | 'info';

export type RuleId =
  | 'signature/p2p'
  | 'signature/telemetry'
  | 'signature/update_check'
  | 'signature/connectivity_probe'
  | 'signature/runtime_download'
  | 'install-script'
  | 'runtime-download'
  | 'native-addon'
  | 'network-module'
  | 'network-module-metadata'
  | 'network-global'
  | 'network-program'
  | 'p2p-import'
  | 'child-process'
  | 'dynamic-require'
  | 'dynamic-code'
  | 'parse-failure'
  | 'lexical-scan'
  | 'missing-dependency'
  | 'lockfile-source'
  | 'hardcoded-host'
  | 'host-in-comment'
  | 'p2p-url'
  | 'telemetry-optout-env'
  | 'dynamic-access'
  | 'runtime-download-default';

export interface Finding {
  rule: RuleId;
  /** SARIF level, derived from the severity. */
  level: FindingLevel;
  severity: Severity;
  /** File (or package) reachable from the project's entry points; true when reachability is unknown. */
  reachable: boolean;
  /** The package is reachable only through devDependencies. */
  dev: boolean;
  /** Package name and version (the audited package, not the one it imports). */
  package: string;
  version: string;
  /** Path of the package folder relative to the audited root (e.g. `node_modules/a/node_modules/b`). */
  packagePath: string;
  /** File relative to the package folder; absent for package-level findings. */
  file?: string;
  line?: number;
  column?: number;
  /** Evidence: the source line at line:column, one line, at most ~120 characters. */
  snippet?: string;
  /** What was seen, e.g. `require('http')` or `postinstall: node install.js`. */
  message: string;
  /** The thing itself (module specifier, global name, script name) for grouping and waivers. */
  subject?: string;
}

export interface WaivedFinding extends Finding {
  waiver: { reason: string; index: number };
}

export interface PackageNode {
  name: string;
  version: string;
  /** Absolute real path of the package folder. */
  dir: string;
  /** Relative to the audit root, with forward slashes. */
  relPath: string;
  /** Reachable only through devDependencies of the root. */
  dev: boolean;
  /** The dependency chain from the project to this package, e.g. ['fastify@5.1.0', 'pino@9.0.0']. */
  chain: string[];
  /** package.json as parsed (only the fields we read are typed). */
  manifest: PackageManifest;
}

export interface PackageManifest {
  name?: string;
  version?: string;
  type?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  devDependencies?: Record<string, string>;
  scripts?: Record<string, string>;
  gypfile?: boolean;
  binary?: Record<string, unknown>;
  allowScripts?: Record<string, boolean>;
}

export interface ScanStats {
  packages: number;
  /** JavaScript files looked at (.js/.mjs/.cjs). */
  files: number;
  /** Files parsed into an AST (the rest were proven free of trigger tokens lexically). */
  parsed: number;
  /** Files too large to parse: scanned with the lexical rules only (each also gets a note). */
  lexicalOnly: number;
  parseFailures: number;
  /** Files no entry point reaches: lexical rules only (they can only be medium or info). */
  unreachableLexical: number;
  bytes: number;
  durationMs: number;
}

export interface AuditOptions {
  /** Project folder whose package.json is the root of the dependency graph. */
  root: string;
  /** Only the production graph (dependencies + optionalDependencies + their peers). */
  prod: boolean;
  /** Parse every file instead of skipping files that contain no trigger token. */
  deep?: boolean;
  /** Files larger than this are not parsed, only scanned lexically. Default 8 MiB. */
  maxParseBytes?: number;
  /** Waiver file; null means none. */
  allowFile?: string | null;
  /** Lowest severity that fails the audit. Default 'high'. */
  failOn?: Severity;
  /** Entry files of the project (default: its package.json bin, main and exports). */
  entries?: string[];
  /** Folder for the opt-in cache of AST findings (keyed by content hash and rule fingerprint); null/absent: no cache. */
  cacheDir?: string | null;
  /** Skip the reachability analysis: every file counts as reachable and gets the full scan (the pre-reachability audit). */
  assumeReachable?: boolean;
  /** Today, for waiver expiry (tests pin it). Default: now. */
  today?: Date;
}

export interface UnusedWaiver {
  index: number;
  package: string;
  rule: string;
  /**
   * stale: the package is audited in this scope but the waiver matched nothing (the finding
   * went away, or the waiver is wrong) — remove or fix it. out-of-scope: the package is not
   * in this scope's graph (e.g. a dev tool under --prod).
   */
  status: 'stale' | 'out-of-scope';
}

export interface ExpiredWaiver {
  index: number;
  package: string;
  rule: string;
  expires: string;
}

export interface PackageSummary {
  name: string;
  version: string;
  relPath: string;
  dev: boolean;
  files: number;
  /** Files of this package reachable from the project's entry points. */
  reachableFiles: number;
  chain: string[];
  /** Hosts of URL literals found in the code (information: where the code *could* point). */
  urlHosts: string[];
}

export interface ReachabilitySummary {
  /** 'entries': computed from `entries`; 'unknown': no entry point found, everything counts as reachable. */
  mode: 'entries' | 'unknown';
  /** Entry files relative to the root. */
  entries: string[];
  reachableFiles: number;
  /** Files whose computed require/import made their whole folder count as reachable. */
  computedLoads: string[];
}

/** Bumped whenever a field of the JSON report changes meaning or goes away. */
export const REPORT_SCHEMA_VERSION = 2;

export interface AuditReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  tool: { name: 'hermetic-audit'; version: string };
  root: string;
  scope: 'prod' | 'all';
  /** Whether package-lock.json (v2+) was there to check provenance against. */
  lockfile: 'checked' | 'absent';
  stats: ScanStats;
  packages: PackageSummary[];
  failOn: Severity;
  reachability: ReachabilitySummary;
  /** Findings that fail the audit: at or above `failOn`, not waived. */
  findings: Finding[];
  waived: WaivedFinding[];
  /** Findings below `failOn`, not waived (information). */
  notes: Finding[];
  unusedWaivers: UnusedWaiver[];
  /** Waivers past their expiry date: they waive nothing and fail the audit. */
  expiredWaivers: ExpiredWaiver[];
  /** true when `findings` and `expiredWaivers` are empty. */
  ok: boolean;
  /**
   * System programs Hermetic's converters run (LibreOffice, pandoc, ImageMagick, qpdf,
   * tesseract), as detected on this machine: listed with their versions, not scanned (they are
   * not npm packages; they run only inside the jail). Absent when not asked for.
   */
  systemTools?: SystemToolEntry[];
}

export interface SystemToolEntry {
  id: string;
  name: string;
  available: boolean;
  version: string | null;
  /** The program that runs (symlinks resolved). */
  path: string | null;
  /** Debian/Ubuntu packages that provide it. */
  apt: string[];
  /** Why it is (un)available. */
  reason: string;
}
