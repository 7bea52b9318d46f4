import { parseArgs, type ParseArgsConfig } from 'node:util';
// The shape every CLI command file exports as `command`.
// Exit codes (documented in `hermetic --help`): 0 ok, 1 failure, 2 usage/config error,
// 3 isolation requirement not met at start-up (paranoid).
export const EXIT = { OK: 0, FAILURE: 1, USAGE: 2, ISOLATION: 3 } as const;

export interface Command {
  name: string;
  /** One line for `hermetic --help`. */
  summary: string;
  /** Full text for `hermetic NAME --help`. */
  usage: string;
  run(argv: string[]): Promise<number>;
}

export class UsageError extends Error {
  readonly exitCode = EXIT.USAGE;
}

/**
 * node:util parseArgs, with a parse failure (unknown option, missing value) turned into a
 * UsageError — exit 2 — that ends with the command's usage text.
 */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T, usage: string): ParsedResults<T> {
  try {
    return parseArgs(config);
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n\n${usage}`);
  }
}

type ParsedResults<T extends ParseArgsConfig> = ReturnType<typeof parseArgs<T>>;
