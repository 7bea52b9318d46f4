// How a Node child or worker thread gets the tripwire before any of its own modules: an
// `--import` of register.js (absolute file URL, so it works from any cwd and inside a jail).
import { fileURLToPath } from 'node:url';
import { tripwireFileUrl } from './own-files.js';

/** file:// URL of register.js (dist/src/isolation/tripwire/register.js), or of the bundled register.mjs when this code runs from it. */
export const registerUrl: string = tripwireFileUrl('./register.js').href;
export const registerPath: string = fileURLToPath(registerUrl);

const REGISTER_SPECIFIER = /(^|[/\\])tripwire[/\\]register(\.m?js)?$|^hermetic\/tripwire\/register$/;

/** True when an argv/execArgv already preloads the tripwire. */
export function hasTripwireImport(argv: readonly string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    let value: string | undefined;
    if (a === '--import' || a === '--require' || a === '-r') value = argv[i + 1];
    else if (a.startsWith('--import=')) value = a.slice('--import='.length);
    else if (a.startsWith('--require=')) value = a.slice('--require='.length);
    if (value !== undefined && (value === registerUrl || value === registerPath || REGISTER_SPECIFIER.test(value))) return true;
  }
  return false;
}

/** Arguments to put before the script of a Node child: `['--import', <register url>]`. */
export function nodeImportArgs(): string[] {
  return ['--import', registerUrl];
}

/** execArgv for a child/worker: the given one (default: ours) with the tripwire preload first. */
export function withTripwireExecArgv(execArgv: readonly string[] | undefined = process.execArgv): string[] {
  const argv = [...execArgv];
  return hasTripwireImport(argv) ? argv : [...nodeImportArgs(), ...argv];
}
