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
