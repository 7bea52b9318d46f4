// Command dispatch for `hermetic`, loaded by main.ts once the runtime is known to be supported.
// One file per command (src/cli/<name>.ts), loaded on demand so that `hermetic status` does not pay for the converters' imports.
import type { Command } from './command.js';
import { EXIT, UsageError } from './command.js';
import { ConfigError } from '../config/index.js';

/** Command name → module file (without extension) in this folder. */
const COMMANDS: Record<string, string> = {
  serve: 'serve',
  status: 'status',
  events: 'events',
  verify: 'verify',
  convert: 'convert',
  run: 'run',
  audit: 'audit',
  firewall: 'firewall',
  prove: 'prove',
};

async function load(name: string): Promise<Command | null> {
  const file = COMMANDS[name];
  if (!file) return null;
  try {
    const mod = (await import(`./${file}.js`)) as { command?: Command };
    return mod.command ?? null;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes(`/cli/${file}.js`)) return null;
    throw e;
  }
}

async function help(): Promise<string> {
  const lines = ['Usage: hermetic <command> [options]', '', 'Commands:'];
  for (const name of Object.keys(COMMANDS)) {
    const c = await load(name);
    if (c) lines.push(`  ${name.padEnd(10)} ${c.summary}`);
  }
  lines.push('', 'Run `hermetic <command> --help` for a command\'s options.', '',
    'Exit codes: 0 ok, 1 failure, 2 usage or configuration error, 3 isolation requirement not met (paranoid start-up).');
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(await help());
    return name ? EXIT.OK : EXIT.USAGE;
  }
  if (name === '--version' || name === '-v') {
    const { version } = await import('../version.js');
    console.log(version);
    return EXIT.OK;
  }
  const cmd = await load(name);
  if (!cmd) {
    console.error(`hermetic: unknown command '${name}'\n\n${await help()}`);
    return EXIT.USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(cmd.usage);
    return EXIT.OK;
  }
  return cmd.run(rest);
}

export function runCli(argv: string[]): void {
  main(argv).then(
    (code) => { process.exitCode = code; },
    (err: unknown) => {
      if (err instanceof ConfigError || err instanceof UsageError) {
        console.error(`hermetic: ${err.message}`);
        process.exitCode = err.exitCode;
        return;
      }
      console.error(`hermetic: ${(err as Error)?.stack ?? String(err)}`);
      process.exitCode = EXIT.FAILURE;
    },
  );
}
