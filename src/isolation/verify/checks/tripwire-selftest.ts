// tripwire.selftest: a TCP connect and a UDP send towards a host-side loopback canary must both
// fail with ERR_NETWORK_ISOLATED, and the canary must have seen nothing. When this process
// cannot open a listener at all (paranoid: the kernel refuses its socket()), the tripwire must
// still answer first: ERR_NETWORK_ISOLATED, not the kernel's EPERM.
import { connect } from 'node:net';
import { createSocket } from 'node:dgram';
import type { Check } from '../check.js';
import { isUnavailable } from '../deps.js';
import { NETWORK_BLOCKED_CODE } from '../../tripwire/types.js';
import { settle, startCanaryListener, type CanaryListener } from '../canary/listener.js';
import { beginSelfTest } from '../selftest-targets.js';
import { isJailedServer } from '../proc.js';

function errorCode(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown };
  return typeof err?.code === 'string' ? err.code : String(err?.message ?? e);
}

/** Resolve with the error code of a TCP connect, or 'connected'. */
function tryTcp(host: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    let s;
    try {
      s = connect({ host, port });
    } catch (e) {
      resolve(errorCode(e));
      return;
    }
    const timer = setTimeout(() => { s.destroy(); resolve('timeout'); }, timeoutMs);
    s.once('connect', () => { clearTimeout(timer); s.destroy(); resolve('connected'); });
    s.once('error', (e) => { clearTimeout(timer); resolve(errorCode(e)); });
  });
}

/** Resolve with the error code of a UDP send, or 'sent'. */
function tryUdp(host: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    let sock;
    try {
      sock = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    } catch (e) {
      resolve(errorCode(e));
      return;
    }
    const done = (r: string) => { clearTimeout(timer); try { sock.close(); } catch {} resolve(r); };
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    sock.once('error', (e) => done(errorCode(e)));
    try {
      sock.send(Buffer.from('hermetic-selftest'), port, host, (e) => done(e ? errorCode(e) : 'sent'));
    } catch (e) {
      done(errorCode(e));
    }
  });
}

export const tripwireSelftest: Check = {
  id: 'tripwire.selftest',
  title: 'Tripwire blocks a loopback connect',
  async run(ctx) {
    const tw = ctx.deps.tripwire;
    if (isUnavailable(tw)) return { status: 'fail', detail: tw.unavailable };
    if (!tw.status().installed) return { status: 'fail', detail: 'the tripwire is not installed in this process, so nothing would stop a connect' };
    let canary: CanaryListener | null = null;
    let noListener = '';
    if (isJailedServer(ctx.procRoot, ctx.env)) {
      noListener = 'this server is under the seccomp jail, which refuses listening sockets';
    } else {
      try {
        canary = await startCanaryListener();
      } catch (e) {
        noListener = errorCode(e);
      }
    }
    const host = '127.0.0.1';
    // Without a listener, aim at a port nothing listens on: the kernel would say ECONNREFUSED
    // (or EPERM under seccomp); only the tripwire says ERR_NETWORK_ISOLATED.
    const tcpPort = canary?.tcpPort ?? ctx.serverPort ?? 9;
    const udpPort = canary?.udpPort ?? 9;
    const end = beginSelfTest([{ host, port: tcpPort }, { host, port: udpPort }]);
    try {
      const budget = Math.min(ctx.timeoutMs, 2000);
      const tcp = await tryTcp(host, tcpPort, budget);
      const udp = await tryUdp(host, udpPort, budget);
      await settle();
      const hits = canary?.hits ?? null;
      const data = { tcp, udp, canaryHits: hits, canary: canary ? `${host} tcp/${tcpPort} udp/${udpPort}` : `none (${noListener})` };
      const wrong = [['TCP connect', tcp], ['UDP send', udp]].filter(([, r]) => r !== NETWORK_BLOCKED_CODE);
      if (wrong.length) {
        return { status: 'fail', detail: wrong.map(([what, r]) => `${what} gave ${r}, expected ${NETWORK_BLOCKED_CODE}`).join('; '), data };
      }
      if (hits !== null && hits > 0) {
        return { status: 'fail', detail: `the calls raised ${NETWORK_BLOCKED_CODE} but the canary saw ${hits} hit(s): something got through`, data };
      }
      const control = canary ? 'the loopback canary saw nothing' : `no canary listener could be opened (${noListener}), and the tripwire answered before the kernel`;
      return { status: 'pass', detail: `TCP connect and UDP send raised ${NETWORK_BLOCKED_CODE}; ${control}`, data };
    } finally {
      end();
      await canary?.close();
    }
  },
};
