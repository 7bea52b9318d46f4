// Wiring of a running server, shared by `hermetic serve`, tests, benchmarks and the paranoid
// launcher (which binds 127.0.0.1 itself and hands the listening fd over: HERMETIC_LISTEN_FD).
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { DataDirError, prepareDataDir, type Config } from '../config/index.js';
import { openEventStore, type EventStoreOptions } from '../events/index.js';
import { version } from '../version.js';
import { buildApp } from './app.js';
import type { AppContext, IsolationProvider, MonitorView } from './context.js';
import { createLogger } from './logger.js';
import { displayHost, loopbackAddress } from './loopback.js';
import type { RoutePlugin } from './routes/index.js';
import { removeRuntimeInfo, writeRuntimeInfo } from './runtime-file.js';
import { loadOrCreateToken } from './token.js';

export class StartError extends Error {
  constructor(readonly code: 'NON_LOOPBACK_REFUSED' | 'LISTEN_FD_INVALID' | 'LISTEN_FAILED' | 'DATA_DIR_UNSAFE', message: string, readonly exitCode = code === 'LISTEN_FAILED' ? 1 : 2) {
    super(message);
  }
}

export interface StartOptions {
  /** An already-bound listening socket to serve on (paranoid launcher). Default: $HERMETIC_LISTEN_FD. */
  listenFd?: number;
  logger?: Logger;
  isolation?: IsolationProvider;
  monitor?: MonitorView;
  jobs?: unknown;
  metrics?: Registry;
  /** Route modules (default: routes/index.ts). */
  routes?: readonly RoutePlugin[];
  /**
   * Runs after the store is open and before the app is built: other modules create their
   * services here (verify, monitor, job pool) and put them on ctx. May return a cleanup,
   * run on close() before the store closes.
   */
  setup?: (ctx: AppContext) => void | (() => void | Promise<void>) | Promise<void | (() => void | Promise<void>)>;
  /** Store tuning (tests). */
  store?: Partial<Omit<EventStoreOptions, 'dataDir' | 'logFileNames'>>;
  /** Write <dataDir>/server.json for `hermetic status`. Default true. */
  runtimeFile?: boolean;
}

export interface RunningServer {
  app: FastifyInstance;
  ctx: AppContext;
  /** http://127.0.0.1:PORT/ */
  url: string;
  /** The URL to open: sets the token cookie. */
  tokenUrl: string;
  close(): Promise<void>;
}

function fdFromEnv(): number | undefined {
  const raw = process.env.HERMETIC_LISTEN_FD;
  if (raw === undefined || raw === '') return undefined;
  const fd = Number(raw);
  if (!Number.isInteger(fd) || fd < 3) throw new StartError('LISTEN_FD_INVALID', `HERMETIC_LISTEN_FD must be an inherited descriptor number >= 3, got '${raw}'`);
  return fd;
}

async function listenOnFd(app: FastifyInstance, fd: number): Promise<void> {
  await app.ready();
  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error) => reject(new StartError('LISTEN_FD_INVALID', `cannot serve on descriptor ${fd}: ${e.message}`));
    app.server.once('error', onError);
    app.server.listen({ fd }, () => { app.server.off('error', onError); resolve(); });
  });
}

export async function startServer(config: Config, opts: StartOptions = {}): Promise<RunningServer> {
  const listenFd = opts.listenFd ?? fdFromEnv();
  const loopback = loopbackAddress(config.host);
  if (listenFd === undefined && !loopback && !config.allowNonLoopback) {
    throw new StartError('NON_LOOPBACK_REFUSED', `refusing to bind to ${config.host}: Hermetic serves only on loopback (127.0.0.1, ::1, localhost). ` +
      'Anyone who can reach that address could use the API; pass --allow-non-loopback if you really mean it.');
  }
  const logger = opts.logger ?? createLogger(config);
  // The data dir first: checked (ours, not writable by others), created 0700, tightened if others could read it.
  try {
    const dd = prepareDataDir(config.dataDir);
    if (dd.tightenedFrom !== null) logger.warn({ dataDir: dd.realPath, from: dd.tightenedFrom.toString(8), to: '700' }, 'data dir was readable by others: made private');
  } catch (e) {
    if (e instanceof DataDirError) throw new StartError('DATA_DIR_UNSAFE', `refusing to start: ${e.message}`);
    throw e;
  }
  const store = openEventStore({ ...opts.store, dataDir: config.dataDir, logFileNames: config.logFileNames });
  // Jobs of a process that died (kill -9, crash) stay queued/running forever unless told: mark them interrupted.
  const interrupted = store.jobs.reconcileInterrupted();
  if (interrupted.length) logger.warn({ jobs: interrupted.length }, 'jobs left unfinished by a stopped process were marked interrupted');
  const cleanups: (() => void | Promise<void>)[] = [];
  let app: FastifyInstance | null = null;
  try {
    const tok = loadOrCreateToken(config.dataDir);
    if (tok.replacedReason) logger.warn({ reason: tok.replacedReason }, 'API token replaced');
    const ctx: AppContext = { config, store, token: tok.token, logger, startedAt: new Date().toISOString(), bind: null };
    if (opts.isolation) ctx.isolation = opts.isolation;
    if (opts.monitor) ctx.monitor = opts.monitor;
    if (opts.jobs !== undefined) ctx.jobs = opts.jobs;
    if (opts.metrics) ctx.metrics = opts.metrics;
    const cleanup = await opts.setup?.(ctx);
    if (cleanup) cleanups.push(cleanup);

    app = await buildApp(ctx, opts.routes ? { routes: opts.routes } : {});
    if (listenFd !== undefined) {
      await listenOnFd(app, listenFd);
    } else {
      try {
        await app.listen({ host: loopback ?? config.host, port: config.port });
      } catch (e) {
        throw new StartError('LISTEN_FAILED', `cannot listen on ${config.host}:${config.port}: ${(e as Error).message}`);
      }
    }
    const addr = app.server.address();
    if (!addr || typeof addr !== 'object') throw new StartError('LISTEN_FAILED', 'the server has no TCP address');
    const boundLoopback = loopbackAddress(addr.address) !== null;
    if (!boundLoopback && !config.allowNonLoopback) {
      throw new StartError('NON_LOOPBACK_REFUSED', `the inherited socket is bound to ${addr.address}, not loopback; refusing to serve (pass --allow-non-loopback to override)`);
    }
    ctx.bind = { host: addr.address, port: addr.port, nonLoopback: !boundLoopback, via: listenFd !== undefined ? 'fd' : 'listen' };
    if (!boundLoopback) {
      store.record({ type: 'non_loopback_bind', severity: 'critical', details: { host: addr.address, port: addr.port, reason: '--allow-non-loopback' } });
      logger.warn({ host: addr.address, port: addr.port }, 'serving on a NON-loopback address (--allow-non-loopback): anyone who can reach it can try the API');
    }
    store.record({ type: 'server_started', severity: 'info', details: { host: addr.address, port: addr.port, strictness: config.strictness, version, via: ctx.bind.via } });

    const urlHost = boundLoopback ? displayHost(addr.address) : '127.0.0.1';
    const url = `http://${boundLoopback ? urlHost : displayHost(addr.address)}:${addr.port}/`;
    const tokenUrl = `${url}?token=${ctx.token}`;
    if (opts.runtimeFile !== false) {
      writeRuntimeInfo(config.dataDir, { pid: process.pid, host: addr.address, port: addr.port, url, startedAt: ctx.startedAt, version });
    }

    let closing: Promise<void> | null = null;
    const running = app;
    return {
      app: running,
      ctx,
      url,
      tokenUrl,
      close() {
        closing ??= (async () => {
          if (opts.runtimeFile !== false) removeRuntimeInfo(config.dataDir);
          running.server.closeAllConnections?.();
          await running.close();
          for (const c of cleanups.reverse()) await c();
          store.close();
        })();
        return closing;
      },
    };
  } catch (e) {
    if (app) await app.close().catch(() => {});
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
    store.close();
    throw e;
  }
}
