// dgram: send, connect, bind on a non-loopback address, addMembership /
// addSourceSpecificMembership and setBroadcast(true). UDP to loopback is blocked too unless the
// port is allow-listed (a local forwarder would relay it). send/connect/bind fail asynchronously
// (callback or 'error'), the membership/broadcast setters are synchronous and throw — as they
// would for a real failure.
import dgram from 'node:dgram';
import { block } from '../block.js';
import { familyOf, formatTarget, isAllowedLoopback, isLoopbackHost, toPort } from '../targets.js';

type AnyFn = (...args: unknown[]) => unknown;
type UdpSocket = dgram.Socket & { type?: string };

function defaultHost(sock: UdpSocket): string {
  return sock.type === 'udp6' ? '::1' : '127.0.0.1';
}

function udpBlock(api: string, host: string | undefined, port: number | undefined, syscall: string) {
  const { error } = block({
    kind: 'network',
    api,
    ...(host !== undefined ? { host } : {}),
    ...(port !== undefined ? { port } : {}),
    family: familyOf(host) ?? 'hostname',
    protocol: 'udp',
    shown: formatTarget(host, port),
  });
  error.syscall = syscall;
  return error;
}

function isConnected(sock: UdpSocket): boolean {
  try { sock.remoteAddress(); return true; } catch { return false; }
}

/** Mirror of Node's send() argument shuffle for an unconnected socket → destination. */
export function sendDestination(args: unknown[]): { port?: number; address?: string; cb?: AnyFn } {
  const [, offset, length] = args;
  let [, , , port, address, cb] = args;
  if (!(address || (port && typeof port !== 'function'))) {
    cb = port; port = offset; address = length;
  }
  if (typeof address === 'function') { cb = address; address = undefined; }
  return {
    ...(toPort(port) !== undefined ? { port: toPort(port) } : {}),
    ...(typeof address === 'string' && address !== '' ? { address } : {}),
    ...(typeof cb === 'function' ? { cb: cb as AnyFn } : {}),
  };
}

function failLater(sock: UdpSocket, err: Error, cb: AnyFn | undefined): void {
  process.nextTick(() => { if (cb) cb(err); else sock.emit('error', err); });
}

export function installDgramHooks(): boolean {
  const proto = dgram.Socket.prototype as unknown as Record<string, AnyFn>;
  const { send, connect, bind, addMembership, addSourceSpecificMembership, setBroadcast } = proto;
  if (!send || !connect || !bind) return false;

  proto.send = function sendHook(this: UdpSocket, ...args: unknown[]) {
    // A connected socket's destination was vetted by the connect hook.
    if (isConnected(this)) return send.apply(this, args);
    const d = sendDestination(args);
    const host = d.address ?? defaultHost(this);
    if (isAllowedLoopback(host, d.port)) return send.apply(this, args);
    failLater(this, udpBlock('dgram.send', host, d.port, 'send'), d.cb);
    return undefined;
  };

  proto.connect = function connectHook(this: UdpSocket, ...args: unknown[]) {
    const port = toPort(args[0]);
    const host = typeof args[1] === 'string' ? args[1] : defaultHost(this);
    if (isAllowedLoopback(host, port)) return connect.apply(this, args);
    // Node registers the callback for 'connect' only; a failure is an 'error' event.
    failLater(this, udpBlock('dgram.connect', host, port, 'connect'), undefined);
    return undefined;
  };

  proto.bind = function bindHook(this: UdpSocket, ...args: unknown[]) {
    const first = args[0];
    let address: unknown;
    let port: unknown = first;
    if (first !== null && typeof first === 'object') {
      const o = first as { address?: unknown; port?: unknown; fd?: unknown };
      // An inherited, already-open descriptor is IPC the parent set up: allowed.
      if (typeof o.fd === 'number') return bind.apply(this, args);
      address = o.address; port = o.port;
    } else if (typeof args[1] === 'string') {
      address = args[1];
    }
    // No address means every interface (0.0.0.0 / ::): a listener reachable from outside.
    if (typeof address === 'string' && address !== '' && isLoopbackHost(address)) return bind.apply(this, args);
    const shownHost = typeof address === 'string' && address !== '' ? address : (this.type === 'udp6' ? '::' : '0.0.0.0');
    failLater(this, udpBlock('dgram.bind', shownHost, toPort(port), 'bind'), undefined);
    return this;
  };

  const throwing = (api: string, original: AnyFn | undefined, allow?: (args: unknown[]) => boolean) => {
    if (!original) return undefined;
    return function membershipHook(this: UdpSocket, ...args: unknown[]) {
      if (allow?.(args)) return original.apply(this, args);
      const group = typeof args[0] === 'string' ? args[0] : undefined;
      const host = api === 'dgram.addSourceSpecificMembership' && typeof args[1] === 'string' ? args[1] : group;
      throw udpBlock(api, host ?? '(broadcast)', undefined, 'setsockopt');
    };
  };
  const am = throwing('dgram.addMembership', addMembership);
  if (am) proto.addMembership = am;
  const ssm = throwing('dgram.addSourceSpecificMembership', addSourceSpecificMembership);
  if (ssm) proto.addSourceSpecificMembership = ssm;
  const sb = throwing('dgram.setBroadcast', setBroadcast, (args) => !args[0]);
  if (sb) proto.setBroadcast = sb;
  return true;
}
