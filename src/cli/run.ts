// `hermetic run`: run any program with no network, report every blocked attempt (who, where,
// which name), record it in the security-event store, and exit with the program's own code.
// Fail closed: with no kernel layer in force the program is not run (exit 125), unless the user
// says --allow-no-kernel-layers.
import { appendFileSync, openSync, closeSync } from 'node:fs';
import { constants } from 'node:os';
import { basename, resolve } from 'node:path';
import type { Command } from './command.js';
import { EXIT, UsageError, parseCommandArgs } from './command.js';
import {
  describeAttempt, describeWho, JailError, KERNEL_LAYERS, LAYER_NAMES, spawn,
  type JailAttempt, type JailHandle, type JailNotice, type LayerName,
} from '../isolation/jail/index.js';
import { runEventRecorder, type RunEventRecorder } from './run-events.js';

export const ALLOW_NO_KERNEL_LAYERS = '--allow-no-kernel-layers';
/** The layers of which at least one must be in force (mountns needs the namespace layer). */
const WALLS: LayerName[] = ['namespace', 'landlock', 'seccomp'];

const usage = `Usage: hermetic run [options] -- COMMAND [ARGS...]

Runs COMMAND under every kernel layer this machine allows (user+network+PID namespace, hidden
daemon sockets, Landlock, seccomp with a reporting supervisor): it has no network at all.
Each blocked attempt is printed to stderr as one line naming the program, where it was going
and, for a DNS query, the name — e.g.
  hermetic: curl (pid 4242, /usr/bin/curl) tried to connect to 192.0.2.1:443 — blocked (EPERM)
— and recorded in the security-event store of the data dir (\`hermetic events\` and the UI show
it). Exits with COMMAND's exit code (128+N if it died of signal N).

Fail closed: if no kernel layer can be applied (${WALLS.join(', ')} all refused or disabled),
COMMAND is NOT run: exit 125, naming each missing layer and why. ${ALLOW_NO_KERNEL_LAYERS} runs it
anyway, with only the environment allow-list — it then HAS network access, and a warning says so.

Options:
  --json-events FILE        also write blocked attempts as JSON lines to FILE (appended), instead of stderr lines
  --data-dir DIR            record attempts in DIR's event store (default: as \`hermetic serve\`)
  --no-record               do not record attempts in the event store
  --allow-write DIR         DIR stays writable (repeatable); everything else is read-only
  --require LAYER           refuse to run unless LAYER is in force (repeatable)
  --disable LAYER           leave LAYER off (repeatable; for testing)
  ${ALLOW_NO_KERNEL_LAYERS}  run COMMAND even when no kernel layer is in force (NOT isolated)
  --timeout-ms N            kill the whole process tree after N milliseconds
  --verbose                 print the layers in force before running, and notes (e.g. the nscd probe)
Layers: ${LAYER_NAMES.join(', ')}

Exit codes: COMMAND's own; 125 if the jail did not run it (no kernel layer in force, a required
layer is missing, bad options); 126/127 if COMMAND cannot be executed / is not found.`;

export const EXIT_JAIL = 125;

function layerList(values: string[] | undefined, flag: string): LayerName[] {
  return (values ?? []).map((v) => {
    if (!(LAYER_NAMES as readonly string[]).includes(v)) throw new UsageError(`${flag} ${v}: unknown layer (one of ${LAYER_NAMES.join(', ')})`);
    return v as LayerName;
  });
}

interface RunOptions {
  command: string;
  args: string[];
  jsonFile: string | undefined;
  timeoutMs: number | undefined;
  allowNoKernel: boolean;
  verbose: boolean;
  recorder: RunEventRecorder | null;
}

function parse(argv: string[]): RunOptions & { allowWrite: string[]; require: LayerName[]; disable: LayerName[] } {
  const { values, positionals } = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'json-events': { type: 'string' },
      'data-dir': { type: 'string' },
      'no-record': { type: 'boolean', default: false },
      'allow-write': { type: 'string', multiple: true },
      require: { type: 'string', multiple: true },
      disable: { type: 'string', multiple: true },
      'allow-no-kernel-layers': { type: 'boolean', default: false },
      'timeout-ms': { type: 'string' },
      verbose: { type: 'boolean', default: false },
    },
  }, usage);
  const [command, ...args] = positionals;
  if (!command) throw new UsageError(`no command given\n\n${usage}`);
  const timeoutMs = values['timeout-ms'] !== undefined ? Number(values['timeout-ms']) : undefined;
  if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs <= 0)) throw new UsageError('--timeout-ms: a positive integer');
  const jsonFile = values['json-events'] !== undefined ? resolve(values['json-events']) : undefined;
  if (jsonFile) closeSync(openSync(jsonFile, 'a')); // fail early (and create it) before running anything
  return {
    command, args, jsonFile, timeoutMs,
    allowNoKernel: values['allow-no-kernel-layers'],
    verbose: values.verbose,
    recorder: values['no-record'] ? null : runEventRecorder({ dataDir: values['data-dir'], command: basename(command) }),
    allowWrite: (values['allow-write'] ?? []).map((d) => resolve(d)),
    require: layerList(values.require, '--require'),
    disable: layerList(values.disable, '--disable'),
  };
}

/** Exit code for a spawn that did not happen. */
function refused(e: JailError, o: RunOptions): number {
  if (e.code === 'JAIL_EXEC_FAILED') {
    process.stderr.write(`hermetic run: ${e.code}: ${e.message}\n`);
    return e.details.errno === 2 || e.details.errno === 'ENOENT' ? 127 : 126;
  }
  const noWall = e.code === 'JAIL_LAYER_UNAVAILABLE' && e.details.layer === null && /none of the kernel layers/.test(e.message);
  if (noWall || (e.code === 'JAIL_HELPER_MISSING' && !o.allowNoKernel)) {
    process.stderr.write(`hermetic run: refusing to run ${o.command}: no kernel layer is in force, so nothing would keep it off the network.\n` +
      `  ${e.message}\n  Pass ${ALLOW_NO_KERNEL_LAYERS} to run it anyway (NOT isolated: only the environment allow-list applies).\n`);
    return EXIT_JAIL;
  }
  process.stderr.write(`hermetic run: ${e.code}: ${e.message}\n`);
  return EXIT_JAIL;
}

function reportLayers(handle: JailHandle, o: RunOptions): void {
  if (o.verbose) {
    for (const l of handle.layers) process.stderr.write(`hermetic run: ${l.inForce ? 'in force ' : 'NOT in force'} ${l.name}: ${l.reason}\n`);
    for (const r of handle.relayed ?? []) {
      process.stderr.write(`hermetic run: ${['stdin', 'stdout', 'stderr'][r.fd] ?? `fd ${r.fd}`} is a ${r.family} ${r.type} socket: relayed through a pipe (no network socket enters the jail)\n`);
    }
  }
  const walls = handle.layers.filter((l) => KERNEL_LAYERS.includes(l.name) && l.inForce);
  if (!walls.length) {
    // Only reachable with --allow-no-kernel-layers: say it loudly, every time.
    const why = handle.layers.filter((l) => WALLS.includes(l.name)).map((l) => `${l.name}: ${l.reason}`).join('; ');
    process.stderr.write(`hermetic run: WARNING: no kernel layer is in force (${why}); ${o.command} runs WITH network access (${ALLOW_NO_KERNEL_LAYERS}).\n`);
  }
}

async function run(argv: string[]): Promise<number> {
  const o = parse(argv);
  let violations = 0;
  const onAttempt = (a: JailAttempt): void => {
    violations++;
    if (o.jsonFile) appendFileSync(o.jsonFile, `${JSON.stringify(a)}\n`);
    // A datagram connect() that was only recorded is followed by the send it enables (with the
    // DNS name): one line for the lookup, unless --verbose.
    else if (a.outcome !== 'recorded' || o.verbose) process.stderr.write(`hermetic: ${describeAttempt(a)}\n`);
    o.recorder?.attempt(a, violations);
  };
  const onNotice = (n: JailNotice): void => {
    if (o.verbose && n.kind === 'nscd') {
      process.stderr.write(`hermetic run: note: ${describeWho(n)} asked the glibc name-service cache (${n.destination ?? 'nscd'}) — refused; reported once, not counted (glibc asks it for every user, group and host lookup)\n`);
    }
    o.recorder?.notice(n);
  };
  let handle: JailHandle;
  try {
    handle = await spawn(o.command, o.args, {
      stdio: 'inherit',
      allowWrite: o.allowWrite,
      require: o.require,
      disable: o.disable,
      ...(o.allowNoKernel ? {} : { requireAny: WALLS }),
      timeoutMs: o.timeoutMs,
      // Node children get the permission model when the runtime has it; `run` grants what a
      // general command needs besides the network.
      nodePermission: { allowChildProcess: true, allowWorker: true, allowAddons: true },
      // Attached before the helper starts: an attempt in the command's first instant is not lost.
      onAttempt,
      onNotice,
    });
  } catch (e) {
    await o.recorder?.close();
    if (e instanceof JailError) return refused(e, o);
    throw e;
  }
  reportLayers(handle, o);
  handle.events.on('timeout', () => process.stderr.write(`hermetic run: timeout after ${o.timeoutMs} ms: process tree killed\n`));
  // Signals sent to us (not typed at the terminal, which reaches the command's group) go to the tree.
  const forward = (sig: NodeJS.Signals): void => handle.kill(sig);
  for (const sig of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) process.on(sig, forward);
  const { code, signal } = await handle.exited;
  await o.recorder?.close();
  if (signal) return 128 + (signalNumber(signal) ?? 0);
  return code ?? EXIT.FAILURE;
}

function signalNumber(sig: NodeJS.Signals): number | undefined {
  return (constants.signals as Record<string, number | undefined>)[sig];
}

export const command: Command = { name: 'run', summary: 'Run any program with no network; report and record every blocked attempt', usage, run };
