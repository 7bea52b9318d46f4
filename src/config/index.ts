// Public face of configuration: loadConfig() merges every source and validates once.
import { isAbsolute, join, resolve } from 'node:path';
import { ZodError } from 'zod';
import { configSchema, type Config } from './schema.js';
import { defaultDataDir, fromEnv, fromFile, merge, ConfigFileError, type RawConfig } from './sources.js';

export { STRICTNESS_LEVELS, configSchema, DEFAULT_VERIFY_POLICY, type Config, type Strictness, type VerifyPolicyEntry } from './schema.js';
export { defaultDataDir } from './sources.js';

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
  /** Folder that relative paths in flags and the environment are relative to. Default: process.cwd(). */
  cwd?: string;
}

/** Configuration keys that are file-system paths. */
const PATH_KEYS = ['dataDir', 'convertersDir'] as const;

/**
 * Make every path key of one source absolute, once, where configuration is read: relative to
 * `base` (the working folder for flags and HERMETIC_* variables, the data dir for config.json).
 * Paths are handed to the jail, to child processes with another working folder and to the
 * runtime file; a relative one would mean something else (or nothing) there.
 */
function absolutePaths(src: RawConfig, base: string): RawConfig {
  const out = { ...src };
  for (const k of PATH_KEYS) {
    const v = out[k];
    if (typeof v === 'string' && v !== '' && !isAbsolute(v)) out[k] = resolve(base, v);
  }
  return out;
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
  const cwd = opts.cwd ?? process.cwd();
  const flags = absolutePaths(opts.flags ?? {}, cwd);
  const envCfg = absolutePaths(fromEnv(env), cwd);
  // The data dir decides where config.json lives, so resolve it first (flag > env > default).
  const dataDir = resolve(cwd, String(flags.dataDir ?? envCfg.dataDir ?? defaultDataDir(env)));
  let fileCfg: RawConfig;
  try {
    fileCfg = absolutePaths(fromFile(join(dataDir, 'config.json')), dataDir);
  } catch (e) {
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
