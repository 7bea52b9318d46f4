// Where configuration comes from, lowest to highest precedence:
// defaults < <dataDir>/config.json < HERMETIC_* environment < command-line flags.
import { readOwnFile } from './data-dir.js';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** XDG data dir: $XDG_DATA_HOME/hermetic, else ~/.local/share/hermetic. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_DATA_HOME;
  const base = xdg && xdg.startsWith('/') ? xdg : join(homedir(), '.local', 'share');
  return join(base, 'hermetic');
}

/** Environment variable → config key. Nested keys use a double underscore. */
const ENV_KEYS: Record<string, string> = {
  HERMETIC_HOST: 'host',
  HERMETIC_PORT: 'port',
  HERMETIC_DATA_DIR: 'dataDir',
  HERMETIC_STRICTNESS: 'strictness',
  HERMETIC_ALLOW_NON_LOOPBACK: 'allowNonLoopback',
  HERMETIC_RATE_LIMIT_MAX: 'rateLimit.max',
  HERMETIC_RATE_LIMIT_WINDOW_MS: 'rateLimit.windowMs',
  HERMETIC_UPLOAD_LIMIT_BYTES: 'uploadLimitBytes',
  HERMETIC_JOB_TIMEOUT_MS: 'jobTimeoutMs',
  HERMETIC_WORKER_MEMORY_MB: 'workerMemoryMb',
  HERMETIC_POOL_SIZE: 'poolSize',
  HERMETIC_LOG_FILE_NAMES: 'logFileNames',
  HERMETIC_CONVERTERS_DIR: 'convertersDir',
  HERMETIC_MONITOR_INTERVAL_MS: 'monitorIntervalMs',
  HERMETIC_VIOLATION_THRESHOLD: 'violationThreshold',
  HERMETIC_KILL_GRACE_MS: 'killGraceMs',
  HERMETIC_VERIFY_INTERVAL_MS: 'verifyIntervalMs',
  HERMETIC_RESULT_TTL_MS: 'resultTtlMs',
  HERMETIC_LOG_LEVEL: 'logLevel',
};

export type RawConfig = Record<string, unknown>;

function setPath(target: RawConfig, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const p of parts.slice(0, -1)) {
    const next = node[p];
    node = (typeof next === 'object' && next !== null ? next : (node[p] = {})) as RawConfig;
  }
  node[parts[parts.length - 1] as string] = value;
}

/** Booleans from the environment: only explicit words count, anything else is a config error. */
function envValue(key: string, raw: string): unknown {
  if (['allowNonLoopback', 'logFileNames'].includes(key)) {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    return raw; // left as a string so validation names the key
  }
  return raw;
}

export function fromEnv(env: NodeJS.ProcessEnv): RawConfig {
  const out: RawConfig = {};
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const v = env[name];
    if (v !== undefined && v !== '') setPath(out, key, envValue(key, v));
  }
  return out;
}

export class ConfigFileError extends Error {
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
  }
}

export function fromFile(file: string): RawConfig {
  // Only a file of ours: not a symlink, owned by us, not writable by others (data-dir.ts).
  const own = readOwnFile(file);
  if (own === null) return {};
  if (!own.ok) throw new ConfigFileError(file, `${own.reason}; it is not used — and Hermetic does not start until it is fixed or removed`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(own.text);
  } catch (e) {
    throw new ConfigFileError(file, `not valid JSON (${(e as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigFileError(file, 'must contain a JSON object');
  }
  return parsed as RawConfig;
}

/** Deep merge of plain objects; later sources win. */
export function merge(...sources: RawConfig[]): RawConfig {
  const out: RawConfig = {};
  for (const src of sources) {
    for (const [k, v] of Object.entries(src)) {
      if (v === undefined) continue;
      const cur = out[k];
      if (typeof v === 'object' && v !== null && !Array.isArray(v) && typeof cur === 'object' && cur !== null) {
        out[k] = merge(cur as RawConfig, v as RawConfig);
      } else {
        out[k] = v;
      }
    }
  }
  return out;
}
