// The monitor as the API server runs it: wired to the in-process tripwire and to the jail's
// seccomp probe when those modules are present, with the server's own listener as the only
// allowed loopback listener. Loaded lazily so the monitor itself depends on neither.
import type { Monitor, EventSink, MonitorConfig, ObservedAttempt } from './types.js';
import { createMonitor } from './monitor.js';
import type { ScanRules } from './proc/index.js';
import type { SeccompProbe, TripwireLike } from './sources/index.js';

export interface ServerMonitorOptions {
  config: MonitorConfig;
  store: EventSink;
  logger?: { warn(obj: object, msg?: string): void };
  /** The server's listening port once known (ctx.bind?.port). Until then any loopback listener counts as ours. */
  listenPort?: () => number | undefined;
  /** Attempts that are ours on purpose; default: the verifier's self-test registry (isSelfTestAttempt). */
  ignore?: (attempt: ObservedAttempt) => boolean;
  /** Start the monitor right away (default true). */
  start?: boolean;
}

async function loadTripwire(): Promise<{ tripwire: TripwireLike | null; allowLoopbackPorts: number[] }> {
  try {
    const t = await import('../tripwire/index.js');
    const st = t.status();
    return { tripwire: { onAttempt: t.onAttempt, status: t.status }, allowLoopbackPorts: st.allowLoopbackPorts ?? [] };
  } catch {
    return { tripwire: null, allowLoopbackPorts: [] };
  }
}

async function loadSeccompProbe(): Promise<SeccompProbe | null> {
  try {
    const j = await import('../jail/index.js');
    return () => {
      const layer = j.probe().layers.seccomp;
      return { available: layer.available, reason: layer.reason };
    };
  } catch {
    return null;
  }
}

type SelfTestCheck = (a: { pid?: number; host?: string; port?: number }) => boolean;

function endpoint(text: unknown): { host: string; port: number } | null {
  if (typeof text !== 'string') return null;
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(text);
  return m ? { host: m[1]!, port: Number(m[2]) } : null;
}

/** Whether an observed attempt is one the verifier made on purpose, by any detector. */
export function selfTestFilter(isSelfTest: SelfTestCheck): (a: ObservedAttempt) => boolean {
  return (a) => {
    if (a.tripwire) return isSelfTest({ pid: a.pid, ...(a.tripwire.host !== undefined ? { host: a.tripwire.host } : {}), ...(a.tripwire.port !== undefined ? { port: a.tripwire.port } : {}) });
    if (isSelfTest({ pid: a.pid })) return true;
    if (a.detector !== 'proc-scan') return false;
    // The verifier's host-side canary sockets live in this process while it runs.
    for (const e of [endpoint(a.summary?.['local']), endpoint(a.summary?.['remote'])]) {
      if (e && isSelfTest({ pid: a.pid, host: e.host, port: e.port })) return true;
    }
    return false;
  };
}

async function loadSelfTestFilter(): Promise<((a: ObservedAttempt) => boolean) | null> {
  try {
    const v = await import('../verify/index.js');
    return selfTestFilter(v.isSelfTestAttempt);
  } catch {
    return null;
  }
}

/** Create (and by default start) the monitor for the server process. Call after tripwire install(). */
export async function createServerMonitor(opts: ServerMonitorOptions): Promise<Monitor> {
  const [{ tripwire, allowLoopbackPorts }, seccompProbe, selfTest] = await Promise.all([loadTripwire(), loadSeccompProbe(), opts.ignore ? null : loadSelfTestFilter()]);
  const ignore = opts.ignore ?? selfTest;
  const scanRules = (): ScanRules => {
    const port = opts.listenPort?.();
    // Our own code calling our own API (a self-check) stays on loopback inside the application:
    // allowed, like the tripwire's own IPC ports. Any other loopback peer is a finding.
    return port ? { listenPorts: [port], allowLoopbackPorts: [...allowLoopbackPorts, port] } : { allowLoopbackPorts };
  };
  const monitor = createMonitor({
    config: opts.config,
    store: opts.store,
    tripwire,
    seccompProbe,
    scanRules,
    ...(ignore ? { ignore } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
  if (opts.start !== false) monitor.start();
  return monitor;
}
