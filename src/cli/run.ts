// `hermetic run`: run any program with no network, report every blocked attempt, and exit with
// the program's own exit code.
import { appendFileSync, openSync, closeSync } from 'node:fs';
import { constants } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from './command.js';
import { EXIT, UsageError, parseCommandArgs } from './command.js';
import { describeAttempt, JailError, LAYER_NAMES, spawn, type JailAttempt, type LayerName } from '../isolation/jail/index.js';

const usage = `Usage: hermetic run [options] -- COMMAND [ARGS...]

Runs COMMAND under every kernel layer this machine allows (user+network namespace, hidden
daemon sockets, Landlock, seccomp with a reporting supervisor): it has no network at all.
Each blocked attempt is printed to stderr as one line, or written as JSON lines to FILE.
Exits with COMMAND's exit code (128+N if it died of signal N).

Options:
  --json-events FILE   write blocked attempts as JSON lines to FILE (appended), not stderr
  --allow-write DIR    DIR stays writable (repeatable); everything else is read-only
  --require LAYER      refuse to run unless LAYER is in force (repeatable)
  --disable LAYER      leave LAYER off (repeatable; for testing)
  --timeout-ms N       kill the whole process tree after N milliseconds
  --verbose            print the layers in force before running
Layers: ${LAYER_NAMES.join(', ')}

Exit codes: COMMAND's own; 125 if the jail could not start it (a required layer is missing,
bad options); 126/127 if COMMAND cannot be executed / is not found.`;

function layerList(values: string[] | undefined, flag: string): LayerName[] {
  return (values ?? []).map((v) => {
    if (!(LAYER_NAMES as readonly string[]).includes(v)) throw new UsageError(`${flag} ${v}: unknown layer (one of ${LAYER_NAMES.join(', ')})`);
    return v as LayerName;
  });
}

async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'json-events': { type: 'string' },
      'allow-write': { type: 'string', multiple: true },
      require: { type: 'string', multiple: true },
      disable: { type: 'string', multiple: true },
      'timeout-ms': { type: 'string' },
      verbose: { type: 'boolean', default: false },
    },
  }, usage);
  const { values, positionals } = parsed;
  const [command, ...args] = positionals;
  if (!command) throw new UsageError(`no command given\n\n${usage}`);
  const timeoutMs = values['timeout-ms'] !== undefined ? Number(values['timeout-ms']) : undefined;
  if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs <= 0)) throw new UsageError('--timeout-ms: a positive integer');
  const jsonFile = values['json-events'] !== undefined ? resolve(values['json-events']) : undefined;
  if (jsonFile) closeSync(openSync(jsonFile, 'a')); // fail early (and create it) before running anything

  const report = (a: JailAttempt): void => {
    if (jsonFile) appendFileSync(jsonFile, `${JSON.stringify(a)}\n`);
    else process.stderr.write(`hermetic: ${describeAttempt(a)}\n`);
  };
  let handle;
  try {
    handle = await spawn(command, args, {
      stdio: 'inherit',
      allowWrite: (values['allow-write'] ?? []).map((d) => resolve(d)),
      require: layerList(values.require, '--require'),
      disable: layerList(values.disable, '--disable'),
      timeoutMs,
      // Node children get the permission model when the runtime has it; `run` grants what a
      // general command needs besides the network.
      nodePermission: { allowChildProcess: true, allowWorker: true, allowAddons: true },
    });
  } catch (e) {
    if (e instanceof JailError) {
      process.stderr.write(`hermetic run: ${e.code}: ${e.message}\n`);
      return e.code === 'JAIL_EXEC_FAILED' ? (e.details.errno === 2 || e.details.errno === 'ENOENT' ? 127 : 126) : 125;
    }
    throw e;
  }
  if (values.verbose) {
    for (const l of handle.layers) process.stderr.write(`hermetic run: ${l.inForce ? 'in force ' : 'NOT in force'} ${l.name}: ${l.reason}\n`);
  }
  handle.events.on('attempt', report);
  handle.events.on('timeout', () => process.stderr.write(`hermetic run: timeout after ${timeoutMs} ms: process tree killed\n`));
  // Signals sent to us (not typed at the terminal, which reaches the command's group) go to the tree.
  const forward = (sig: NodeJS.Signals): void => handle.kill(sig);
  for (const sig of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) process.on(sig, forward);
  const { code, signal } = await handle.exited;
  if (signal) return 128 + (signalNumber(signal) ?? 0);
  return code ?? EXIT.FAILURE;
}

function signalNumber(sig: NodeJS.Signals): number | undefined {
  return (constants.signals as Record<string, number | undefined>)[sig];
}

export const command: Command = { name: 'run', summary: 'Run any program with no network; report every blocked attempt', usage, run };
