// The monitor's fixed numbers, in one place. Threshold, grace period and interval come from
// config (config/schema.ts); these are the ones that are not worth a config key.

/** The /proc cross-check interval varies by ±10 % so that it cannot be timed around. */
export const SCAN_JITTER = 0.1;

/** How often a terminating process is checked for exit during the SIGTERM grace period. */
export const EXIT_POLL_MS = 50;

/** Attempts kept per process for the termination report (the culprit is the latest). */
export const MAX_ATTEMPTS_REMEMBERED = 16;

/** Strictness levels in which a single violation terminates a jailed worker. */
export const ZERO_TOLERANCE = ['strict', 'paranoid'] as const;

/** Pids and jobs remembered as "a detector saw something" (explains namespace-counter growth); oldest forgotten first. */
export const SEEN_LIMIT = 4096;
