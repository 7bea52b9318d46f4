// diagnostics_channel as a second witness. Node publishes on these channels from inside its own
// client code; anything that shows up there without having passed one of our hooks is a hole in
// the tripwire (a restored original, a captured internal) and is reported as kind 'hole'.
//   net.client.socket            → the socket must carry VETTED once net.connect returns
//   http.client.request.start    → the request's socket, once assigned, must be VETTED
//   undici:client:beforeConnect  → a socket connect hook call must follow on the same tick
//   udp.socket                   → the socket's send/bind must still be our hooks
import dc from 'node:diagnostics_channel';
import type net from 'node:net';
import type dgram from 'node:dgram';
import { record } from '../report.js';
import { state } from '../state.js';
import { currentCulprit, type Culprit } from '../attribution.js';
import { VETTED } from '../hooks/net-connect.js';

export const WITNESS_CHANNELS = ['net.client.socket', 'http.client.request.start', 'undici:client:beforeConnect', 'udp.socket'] as const;

type Vettable = net.Socket & { [VETTED]?: boolean };

function hole(api: string, host: string | undefined, port: number | undefined, protocol: string, channel: string, culprit?: Culprit): void {
  const c = culprit ?? currentCulprit();
  record({
    kind: 'hole', api, protocol, target: channel,
    ...(host !== undefined ? { host } : {}),
    ...(port !== undefined ? { port } : {}),
    package: c.package,
    ...(c.stackTop !== undefined ? { stackTop: c.stackTop } : {}),
  });
}

function checkSocket(sock: Vettable, api: string, channel: string, culprit?: Culprit): void {
  if (sock[VETTED]) return;
  const opts = sock as unknown as { _host?: string | null; _pendingData?: unknown };
  hole(api, sock.remoteAddress ?? opts._host ?? undefined, sock.remotePort, 'tcp', channel, culprit);
}

export function installDiagnosticsWitness(udpHooks: { send: unknown; bind: unknown } | null): Record<string, boolean> {
  const s = state();
  const active: Record<string, boolean> = {};
  if (typeof dc.subscribe !== 'function') return active;

  dc.subscribe('net.client.socket', (msg) => {
    const sock = (msg as { socket?: Vettable }).socket;
    // net.connect publishes before calling socket.connect(): judge once it has returned.
    if (!sock) return;
    // Blame is taken now, while the caller is still on the stack (client sockets are rare here).
    const culprit = currentCulprit();
    process.nextTick(() => checkSocket(sock, 'net.connect', 'net.client.socket', culprit));
  });
  active['net.client.socket'] = true;

  dc.subscribe('http.client.request.start', (msg) => {
    const req = (msg as { request?: { socket?: Vettable | null; once?: (ev: string, fn: (s: Vettable) => void) => void } }).request;
    if (!req) return;
    const judge = (sock: Vettable | null | undefined) => {
      // Only real TCP sockets count; a custom agent may hand over an in-memory stream.
      if (sock && typeof sock.remoteAddress === 'string') checkSocket(sock, 'http.request', 'http.client.request.start');
    };
    if (req.socket) judge(req.socket);
    else req.once?.('socket', (sock) => { if (sock.connecting) sock.once('connect', () => judge(sock)); else judge(sock); });
  });
  active['http.client.request.start'] = true;

  dc.subscribe('undici:client:beforeConnect', (msg) => {
    const p = (msg as { connectParams?: { hostname?: string; host?: string; port?: string | number; protocol?: string } }).connectParams;
    const before = s.connectHookCalls;
    setImmediate(() => {
      if (s.connectHookCalls !== before) return;
      const port = p?.port !== undefined && p.port !== '' ? Number(p.port) : undefined;
      hole('undici.connect', p?.hostname ?? p?.host, port, String(p?.protocol ?? 'http').replace(/:$/, ''), 'undici:client:beforeConnect');
    });
  });
  active['undici:client:beforeConnect'] = true;

  if (udpHooks) {
    dc.subscribe('udp.socket', (msg) => {
      const sock = (msg as { socket?: dgram.Socket & Record<string, unknown> }).socket;
      if (!sock) return;
      const culprit = currentCulprit();
      process.nextTick(() => {
        if (sock.send !== udpHooks.send || sock.bind !== udpHooks.bind) hole('dgram.Socket', undefined, undefined, 'udp', 'udp.socket', culprit);
      });
    });
    active['udp.socket'] = true;
  }
  return active;
}
