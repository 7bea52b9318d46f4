// `hermetic serve`: configuration → tripwire (before any other module is loaded, so nothing
// imported later can open a connection unseen) → store → app → listen on loopback.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { loadConfig, type Config } from '../config/index.js';
import { EXIT, UsageError, type Command } from './command.js';
import type { NewSecurityEvent } from '../events/index.js';

const USAGE = `Usage: hermetic serve [options]

Serve the web UI and the HTTP API on loopback (default http://127.0.0.1:7878/) and print the
URL with the API token (the token is created on first start, in <data dir>/token, mode 0600).

Options:
  --port N               port (default 7878; 0 picks a free one)
  --host H               127.0.0.1 (default), ::1 or localhost; anything else is refused
  --allow-non-loopback   serve on a non-loopback --host anyway (recorded as a critical event)
  --strictness L         standard | strict | paranoid
  --data-dir D           where the database, token and config.json live
  --converters DIR       folder of user converter modules (default <data dir>/converters)
  --log-level L          fatal | error | warn | info | debug | trace | silent
  -h, --help             this text

Environment: HERMETIC_LISTEN_FD=N serves on an inherited, already-bound socket (paranoid launcher).
Logs go to stderr as JSON lines (pino); the URL goes to stdout.

Exit codes: 0 stopped by SIGINT/SIGTERM, 1 failure (e.g. port in use), 2 usage or
configuration error (incl. a non-loopback --host without --allow-non-loopback).`;

export function parseServeFlags(argv: string[]): Record<string, unknown> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'allow-non-loopback': { type: 'boolean' },
        strictness: { type: 'string' },
        'data-dir': { type: 'string' },
        'log-level': { type: 'string' },
        converters: { type: 'string' },
      },
    }));
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n\n${USAGE}`);
  }
  return {
    port: values.port,
    host: values.host,
    allowNonLoopback: values['allow-non-loopback'],
    strictness: values.strictness,
    dataDir: values['data-dir'],
    logLevel: values['log-level'],
    convertersDir: typeof values.converters === 'string' ? resolve(values.converters) : undefined,
  };
}

/** A background fault as a security event: what failed, never any user data. */
function recordFault(store: { record(e: NewSecurityEvent): unknown }, task: string, e: unknown, severity: 'warning' | 'critical'): void {
  const err = e as NodeJS.ErrnoException | null;
  const error = `${err?.code ? `${err.code}: ` : ''}${String(err?.message ?? e).split('\n')[0]?.slice(0, 300)}`;
  try {
    store.record({ type: 'background_fault', severity, details: { task, error }, dedupKey: `${task}\u0000${error}` });
  } catch { /* the store itself failing is logged by the caller */ }
}

async function serve(config: Config): Promise<number> {
  // FIRST: the in-process guard. Everything below (Fastify, SQLite, converters) loads after it.
  const tripwire = await import('../isolation/tripwire/index.js');
  tripwire.install();
  const { startServer, StartError } = await import('../server/index.js');
  const { version } = await import('../version.js');
  // Isolation verification (issue 6): created in setup, run once bound, then periodically.
  const { serveIsolation } = await import('../server/launcher/index.js');
  const { isSelfTestAttempt } = await import('../isolation/verify/index.js');
  const isolation = serveIsolation(config);

  // Runtime monitor + the jailed conversion pool (issue 5), created with the isolation service.
  const { createServerMonitor } = await import('../isolation/monitor/index.js');
  const { spawn: jailSpawn } = await import('../isolation/jail/index.js');
  const { ConvertService } = await import('../convert/index.js');
  let jobs: InstanceType<typeof ConvertService> | null = null;
  const setup = async (ctx: Parameters<typeof isolation.setup>[0]): Promise<() => Promise<void>> => {
    const stopIsolation = isolation.setup(ctx);
    const monitor = await createServerMonitor({ config, store: ctx.store, logger: ctx.logger, listenPort: () => ctx.bind?.port });
    ctx.monitor = monitor;
    const svc = new ConvertService({
      config, spawn: jailSpawn, store: ctx.store, monitor, canConvert: () => isolation.canConvert(),
      onFault: (task, e) => recordFault(ctx.store, task, e, 'warning'),
    });
    jobs = svc;
    ctx.jobs = svc;
    return async () => { await svc.close(); monitor.stop(); stopIsolation(); };
  };

  let server;
  try {
    server = await startServer(config, { setup });
  } catch (e) {
    if (e instanceof StartError) {
      console.error(`hermetic: ${e.message}`);
      return e.exitCode;
    }
    throw e;
  }
  const { ctx } = server;
  // Last line of defence: a background task's error that escaped its own handling is recorded
  // and logged, and the server keeps serving (conversions run in other processes; the UI is how
  // the user sees what happened). Each task handles its own failures first (see issue 19).
  const onEscaped = (e: unknown): void => {
    recordFault(ctx.store, 'process', e, 'critical');
    ctx.logger.error({ err: e }, 'an error escaped a background task; the server carries on');
  };
  process.on('uncaughtException', onEscaped);
  process.on('unhandledRejection', onEscaped);
  const refused = await isolation.afterListen(ctx);
  if (refused) {
    console.error(`hermetic: ${refused.message}`);
    await server.close();
    return refused.exitCode;
  }
  // Warm the converter pool now that the verdict is known (strict refuses without a kernel layer).
  (jobs as InstanceType<typeof ConvertService> | null)?.warmUp();
  // Attempts in this process go to the event log. When the runtime monitor is wired it
  // records them itself (with its policy), so they are not recorded twice.
  const unsubscribe = ctx.monitor ? () => {} : tripwire.onAttempt((a) => { if (!isSelfTestAttempt(a)) ctx.store.record(tripwire.eventForAttempt(a)); });

  console.log(`Hermetic ${version} serving on ${server.url} (${ctx.bind?.nonLoopback ? 'NON-LOOPBACK' : 'loopback only'}, strictness ${config.strictness})`);
  console.log(`Open: ${server.tokenUrl}`);
  console.log('Press Ctrl+C to stop.');

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        console.error(`hermetic: ${signal} again, exiting without finishing the shutdown`);
        process.exit(EXIT.FAILURE);
      }
      stopping = true;
      ctx.logger.info({ signal }, 'shutting down');
      unsubscribe();
      server.close().then(
        () => resolve(EXIT.OK),
        (e: unknown) => { console.error(`hermetic: shutdown failed: ${(e as Error).message}`); resolve(EXIT.FAILURE); },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export const command: Command = {
  name: 'serve',
  summary: 'serve the web UI and API on 127.0.0.1 (prints the URL with the token)',
  usage: USAGE,
  async run(argv) {
    const config = loadConfig({ flags: parseServeFlags(argv) });
    // Paranoid: this process becomes the launcher; the server runs under the jail (exit 3 if it cannot).
    if (config.strictness === 'paranoid' && process.env.HERMETIC_PARANOID_CHILD !== '1') {
      const { launchParanoid } = await import('../server/launcher/index.js');
      return launchParanoid(config, { serveArgv: argv });
    }
    return serve(config);
  },
};
