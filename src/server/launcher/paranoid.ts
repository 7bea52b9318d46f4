// `hermetic serve --strictness paranoid`: the launcher. It is the one process of the
// application that keeps its network access, and it uses it for exactly one thing: binding
// 127.0.0.1:PORT. Then it starts the real server under the jail (seccomp required, every other
// layer the machine offers) with that listening socket inherited as fd 3, so the server can
// accept loopback connections but cannot open a socket of its own. The launcher forwards the
// supervisor's reports to the server (fd 4), forwards signals, and exits with the server's code.
// If the server cannot be jailed, nothing is served: exit 3 with the missing layer and a fix.
import { createServer, type Server } from 'node:net';
import { readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Writable } from 'node:stream';
import { prepareDataDir, type Config } from '../../config/index.js';
import type { JailAttempt, LayerName } from '../../isolation/jail/types.js';
import { PARANOID_ENV, LISTEN_FD, REPORT_FD } from './env.js';

export const EXIT_ISOLATION = 3;
const CLI_MAIN = fileURLToPath(new URL('../../cli/main.js', import.meta.url));

/** How to get the seccomp layer, per reason, in words a user can act on. */
function howToGet(reason: string): string {
  if (/not built|helper/i.test(reason)) return 'build the jail helper: install a C compiler (e.g. `apt-get install gcc`) and run `npm run build:native`';
  if (/platform|macOS|Windows/i.test(reason)) return 'paranoid mode needs Linux (seccomp); use --strictness strict or standard here';
  return 'run on Linux with seccomp enabled; inside a container, allow the seccomp(2) and prctl(2) system calls (Docker: --security-opt seccomp=unconfined, or a profile that permits them)';
}

export interface LaunchOptions {
  /** Arguments for the jailed `hermetic serve` (the launcher's own argv, minus nothing). */
  serveArgv: string[];
  /** Jail fault injection (tests): behave as if these layers were refused. */
  fault?: LayerName[];
  stderr?: Writable;
}

function listenLoopback(host: string, port: number): Promise<Server> {
  const server = createServer((s) => {
    // Only between listen() and the hand-over: a connection that lands here is closed, the
    // client retries against the jailed server (the socket's backlog is the server's).
    s.destroy();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => resolve(server));
  });
}

function handleFd(server: Server): number {
  // Node keeps the descriptor on the libuv handle; there is no public accessor for it.
  const fd = (server as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('the listening socket has no descriptor on this platform');
  return fd;
}

export async function launchParanoid(config: Config, opts: LaunchOptions): Promise<number> {
  const err = opts.stderr ?? process.stderr;
  const say = (line: string) => err.write(`hermetic: ${line}\n`);
  const refuse = (line: string) => { say(`paranoid mode refused: ${line}`); return EXIT_ISOLATION; };

  const host = config.host === 'localhost' ? '127.0.0.1' : config.host;
  if (host !== '127.0.0.1' && host !== '::1') return refuse(`the server must bind loopback (127.0.0.1 or ::1), not ${config.host}`);

  // The launcher guards itself like any other process of ours.
  const tripwire = await import('../../isolation/tripwire/index.js');
  tripwire.install();
  const jail = await import('../../isolation/jail/index.js');
  const caps = jail.probe(opts.fault?.length ? { fault: opts.fault } : {});
  const seccomp = caps.layers.seccomp;
  if (!caps.helperBuilt || !seccomp.available) {
    return refuse(`the server cannot be put under the seccomp jail — seccomp: ${seccomp.reason}. How to get it: ${howToGet(seccomp.reason)}.`);
  }

  // Measure the workers' jail here, where a host-side canary listener can still be opened.
  const { IsolationService, jailCanary } = await import('../../isolation/verify/index.js');
  const service = new IsolationService({ config, role: 'cli', ...(opts.fault?.length ? { jailFault: opts.fault } : {}) });
  const canaryReport = await service.verify('startup', [jailCanary]);
  const canary = canaryReport.checks[0];
  if (!canary || canary.data?.blocked !== true) {
    return refuse(`the jailed canary was not stopped by the kernel: ${canary?.detail ?? 'did not run'}`);
  }

  let listener: Server;
  try {
    listener = await listenLoopback(host, config.port);
  } catch (e) {
    say(`cannot listen on ${host}:${config.port}: ${(e as Error).message}`);
    return 1;
  }
  const fd = handleFd(listener);
  let netns = '';
  try { netns = readlinkSync('/proc/self/ns/net'); } catch {}

  const env: Record<string, string> = {
    [PARANOID_ENV.listenFd]: String(LISTEN_FD),
    [PARANOID_ENV.child]: '1',
    [PARANOID_ENV.reportFd]: String(REPORT_FD),
    [PARANOID_ENV.netns]: netns,
    [PARANOID_ENV.canary]: JSON.stringify({ status: canary.status, detail: canary.detail, data: canary.data, at: canaryReport.verifiedAt }),
  };
  // Configuration travels as flags and HERMETIC_* variables (the jail's env is an allow-list).
  for (const [k, v] of Object.entries(process.env)) if (k.startsWith('HERMETIC_') && v !== undefined && !(k in env)) env[k] = v;

  // The jail grants write access to existing folders only: on a first run the data dir must be
  // created (privately, after the same checks as any start) before it can be named.
  try {
    prepareDataDir(config.dataDir);
  } catch (e) {
    listener.close();
    say(`refusing to start: ${(e as Error).message}`);
    return 2;
  }
  let handle;
  try {
    handle = await jail.spawn(process.execPath, [CLI_MAIN, 'serve', ...opts.serveArgv, '--data-dir', config.dataDir], {
      stdio: ['inherit', 'inherit', 'inherit', fd, 'pipe'],
      require: ['seccomp'],
      // The server loads native addons (SQLite, sharp) and starts workers: the Node permission
      // model would have to grant all of that; seccomp is the wall here.
      disable: ['node-permission'],
      allowWrite: [config.dataDir, tmpdir()],
      env,
      node: true,
      ...(opts.fault?.length ? { fault: opts.fault } : {}),
    });
  } catch (e) {
    listener.close();
    const je = e as { code?: string; message: string; details?: { layer?: string } };
    if (je.code === 'JAIL_LAYER_UNAVAILABLE' || je.code === 'JAIL_HELPER_MISSING') {
      return refuse(`${je.message}. How to get it: ${howToGet(je.message)}.`);
    }
    say(`cannot start the jailed server: ${je.code ? `${je.code}: ` : ''}${je.message}`);
    return 1;
  }
  // The jailed server holds its own copy of the socket now; ours must not accept anything.
  listener.close();

  const reports = handle.child.stdio[REPORT_FD] as Writable | null;
  reports?.on('error', () => {});
  const forward = (a: JailAttempt) => {
    say(`the kernel refused, in the jailed server: ${jail.describeAttempt(a)}`);
    // The server lives in the jail's PID namespace: it knows its processes (its own verification
    // probes, for one) by their pids there, not by the host's.
    const forServer = a.nsPid !== undefined ? { ...a, pid: a.nsPid, hostPid: a.pid } : a;
    if (reports?.writable) reports.write(`${JSON.stringify(forServer)}\n`);
  };
  // Attempts of the server's first moments are held by the handle and replayed to the
  // listener attached here (it runs before the replay): none is missed, none twice.
  handle.events.on('attempt', forward);

  const layers = handle.layers.filter((l) => l.inForce).map((l) => l.name).join(' + ');
  say(`paranoid: the server runs jailed (${layers}); this launcher only holds the listening socket (pid ${process.pid})`);
  const onSignal = (sig: NodeJS.Signals) => handle.kill(sig);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const exit = await handle.exited;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  return exit.code ?? (exit.signal === 'SIGINT' || exit.signal === 'SIGTERM' ? 0 : 1);
}
