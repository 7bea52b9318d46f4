// Options for the `--import` entry, which cannot take arguments: read from the environment the
// parent set for its Node child (worker threads inherit it).
//   HERMETIC_TRIPWIRE_ALLOW_PORTS   comma-separated loopback ports our own IPC may connect to
//   HERMETIC_TRIPWIRE_ALLOW_UNIX    path-delimiter-separated unix socket paths
//   HERMETIC_JOB_ID                 the job this worker serves (put on every Attempt)
import { delimiter } from 'node:path';
import type { TripwireOptions } from './types.js';

export const ENV = {
  allowPorts: 'HERMETIC_TRIPWIRE_ALLOW_PORTS',
  allowUnix: 'HERMETIC_TRIPWIRE_ALLOW_UNIX',
  jobId: 'HERMETIC_JOB_ID',
} as const;

export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): TripwireOptions {
  const ports = (env[ENV.allowPorts] ?? '').split(',').map((p) => Number(p.trim())).filter((p) => Number.isInteger(p) && p > 0 && p < 65536);
  const unix = (env[ENV.allowUnix] ?? '').split(delimiter).filter(Boolean);
  return {
    ...(ports.length ? { allowLoopbackPorts: ports } : {}),
    ...(unix.length ? { allowUnixPaths: unix } : {}),
    ...(env[ENV.jobId] ? { jobId: env[ENV.jobId] } : {}),
  };
}

/** Environment entries that carry options to a child's `--import` preload. */
export function envForOptions(options: TripwireOptions): Record<string, string> {
  const out: Record<string, string> = {};
  if (options.allowLoopbackPorts?.length) out[ENV.allowPorts] = options.allowLoopbackPorts.join(',');
  if (options.allowUnixPaths?.length) out[ENV.allowUnix] = options.allowUnixPaths.join(delimiter);
  if (options.jobId) out[ENV.jobId] = options.jobId;
  return out;
}
