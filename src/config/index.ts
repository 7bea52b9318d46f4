// Public face of configuration: loadConfig() merges every source and validates once.
import { join } from 'node:path';
import { ZodError } from 'zod';
import { configSchema, type Config } from './schema.js';
import { defaultDataDir, fromEnv, fromFile, merge, ConfigFileError, type RawConfig } from './sources.js';
import { checkDataDir, DataDirError } from './data-dir.js';

export { STRICTNESS_LEVELS, configSchema, DEFAULT_VERIFY_POLICY, type Config, type Strictness, type VerifyPolicyEntry } from './schema.js';
export { defaultDataDir } from './sources.js';
export { checkDataDir, checkPrivateFolder, fileProblem, prepareDataDir, readOwnFile, writeOwnFile, DataDirError, type DataDirState, type FolderRole, type OwnFile } from './data-dir.js';

/** A configuration error: exit code 2, message names the key and the allowed values. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  readonly exitCode = 2;
  constructor(message: string, readonly issues: string[] = []) {
    super(message);
  }
}

export interface LoadOptions {
  /** Highest precedence: parsed command-line flags (undefined values are ignored). */
  flags?: RawConfig;
  env?: NodeJS.ProcessEnv;
}

function describeIssue(issue: ZodError['issues'][number]): string {
  const key = issue.path.join('.') || '(root)';
  const i = issue as unknown as { code: string; values?: unknown[]; options?: unknown[]; keys?: string[]; message: string };
  const allowed = i.values ?? i.options;
  if (allowed) return `${key}: invalid value; allowed: ${allowed.map(String).join(' | ')}`;
  if (i.code === 'unrecognized_keys' && i.keys) return `${i.keys.join(', ')}: unknown configuration key`;
  return `${key}: ${i.message}`;
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const flags = opts.flags ?? {};
  const envCfg = fromEnv(env);
  // The data dir decides where config.json lives, so resolve it first (flag > env > default).
  const dataDir = String(flags.dataDir ?? envCfg.dataDir ?? defaultDataDir(env));
  let fileCfg: RawConfig;
  try {
    checkDataDir(dataDir); // before anything in it is read: a planted config.json is never used
    fileCfg = fromFile(join(dataDir, 'config.json'));
  } catch (e) {
    if (e instanceof DataDirError) throw new ConfigError(`unsafe data dir: ${e.message}`);
    if (e instanceof ConfigFileError) throw new ConfigError(`invalid configuration file ${e.message}`);
    throw e;
  }
  const merged = merge({ dataDir }, fileCfg, envCfg, flags);
  merged.dataDir = dataDir;
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(describeIssue);
    throw new ConfigError(`invalid configuration: ${issues.join('; ')}`, issues);
  }
  return parsed.data;
}
