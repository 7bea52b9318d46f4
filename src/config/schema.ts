// The one configuration schema. Every key has a default, so `hermetic serve` runs with no
// configuration at all; every invalid value is reported by key with the allowed values.
import { z } from 'zod';

export const STRICTNESS_LEVELS = ['standard', 'strict', 'paranoid'] as const;
export type Strictness = (typeof STRICTNESS_LEVELS)[number];

/**
 * Verification policy (isolation/verify): per strictness, the least isolation level and the
 * checks that must pass (or warn). `standard` always serves; it only reports. A check missing
 * from the list still runs and is shown; it just does not decide.
 */
const verifyPolicyEntry = z
  .object({
    minLevel: z.enum(['unverified', 'runtime-only', 'kernel-enforced']),
    required: z.array(z.string().min(1)),
  })
  .strict();
export type VerifyPolicyEntry = z.infer<typeof verifyPolicyEntry>;
export const DEFAULT_VERIFY_POLICY: Readonly<Record<Strictness, VerifyPolicyEntry>> = {
  standard: { minLevel: 'runtime-only', required: ['tripwire.installed', 'tripwire.selftest'] },
  strict: { minLevel: 'kernel-enforced', required: ['tripwire.installed', 'tripwire.selftest', 'jail.canary', 'server.bind'] },
  paranoid: { minLevel: 'kernel-enforced', required: ['tripwire.installed', 'tripwire.selftest', 'jail.canary', 'server.bind', 'process.self'] },
};

export const configSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.coerce.number().int().min(0).max(65535).default(7878),
    dataDir: z.string().min(1),
    strictness: z.enum(STRICTNESS_LEVELS).default('standard'),
    /** Binding to a non-loopback address is refused unless this is set (then it is a critical event). */
    allowNonLoopback: z.boolean().default(false),
    rateLimit: z
      .object({
        max: z.coerce.number().int().min(1).default(100),
        windowMs: z.coerce.number().int().min(1000).default(60_000),
      })
      .strict()
      .default({ max: 100, windowMs: 60_000 }),
    /**
     * HTTP connection limits (issue 13 item 5): a client that sends its headers or its body too
     * slowly, or holds idle connections, is cut off; connections per client address are capped
     * (all of loopback counts as one address), and idle/unfinished ones are evicted first.
     */
    http: z
      .object({
        /** The whole request (headers and body) must arrive within this. */
        requestTimeoutMs: z.coerce.number().int().min(1000).default(60_000),
        /** The request headers must arrive within this (at most requestTimeoutMs). */
        headersTimeoutMs: z.coerce.number().int().min(1000).default(10_000),
        /** An idle keep-alive connection is closed after this. */
        keepAliveTimeoutMs: z.coerce.number().int().min(100).default(5_000),
        /** A connection with no traffic at all for this long is closed (above the longest silent wait: a synchronous conversion, 60 s). */
        idleTimeoutMs: z.coerce.number().int().min(1000).default(120_000),
        /** Open connections per client address (loopback is one address). */
        maxConnectionsPerIp: z.coerce.number().int().min(8).default(128),
        /** Open connections in all (also kept under half the process's open-file limit). */
        maxConnections: z.coerce.number().int().min(8).default(1024),
      })
      .strict()
      .refine((h) => h.headersTimeoutMs <= h.requestTimeoutMs, { message: 'headersTimeoutMs must not exceed requestTimeoutMs' })
      .default({ requestTimeoutMs: 60_000, headersTimeoutMs: 10_000, keepAliveTimeoutMs: 5_000, idleTimeoutMs: 120_000, maxConnectionsPerIp: 128, maxConnections: 1024 }),
    /** Largest accepted upload, bytes. */
    uploadLimitBytes: z.coerce.number().int().min(1024).default(100 * 1024 * 1024),
    jobTimeoutMs: z.coerce.number().int().min(1000).default(120_000),
    workerMemoryMb: z.coerce.number().int().min(64).default(1024),
    /** Warm worker pool size; 0 means "CPU count". */
    poolSize: z.coerce.number().int().min(0).default(0),
    /** Store user file names in job records and logs only when the user opts in. */
    logFileNames: z.boolean().default(false),
    /** Folder of user converter modules; default `<dataDir>/converters`. */
    convertersDir: z.string().optional(),
    /** Runtime monitor: /proc cross-check interval. */
    monitorIntervalMs: z.coerce.number().int().min(100).default(5_000),
    /** Violations before a worker is terminated in `standard` (strict/paranoid: 1). */
    violationThreshold: z.coerce.number().int().min(1).default(3),
    /** SIGTERM → SIGKILL grace period when terminating a violator. */
    killGraceMs: z.coerce.number().int().min(0).default(2_000),
    /** Periodic re-verification interval; 0 disables. */
    verifyIntervalMs: z.coerce.number().int().min(0).default(10 * 60_000),
    verifyPolicy: z
      .object({ standard: verifyPolicyEntry, strict: verifyPolicyEntry, paranoid: verifyPolicyEntry })
      .partial()
      .strict()
      .default({})
      .transform((p): Record<Strictness, VerifyPolicyEntry> => ({ ...structuredClone(DEFAULT_VERIFY_POLICY), ...p })),
    /** Result files are deleted after download or after this TTL. */
    resultTtlMs: z.coerce.number().int().min(1000).default(60 * 60_000),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
