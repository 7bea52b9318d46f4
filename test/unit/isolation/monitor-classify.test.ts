// The cross-check's rule, one case per line of the rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyInet, type InetSocket } from '../../../src/isolation/monitor/proc/index.js';

function sock(p: Partial<Omit<InetSocket, 'local' | 'remote'>> & { local: [string, number]; remote: [string, number] }): InetSocket {
  return {
    inode: 1, protocol: p.protocol ?? 'tcp', family: p.family ?? 'IPv4', uid: 0, state: p.state ?? 'ESTABLISHED',
    local: { address: p.local[0], port: p.local[1] }, remote: { address: p.remote[0], port: p.remote[1] },
  };
}
const ours = new Set([7878]);

test('our loopback listener and connections accepted on it are allowed', () => {
  assert.deepEqual(classifyInet(sock({ state: 'LISTEN', local: ['127.0.0.1', 7878], remote: ['0.0.0.0', 0] }), {}, ours), { ok: true, why: 'loopback-listener', final: true });
  assert.deepEqual(classifyInet(sock({ local: ['127.0.0.1', 7878], remote: ['127.0.0.1', 50000] }), {}, ours), { ok: true, why: 'accepted-loopback', final: true });
  assert.equal(classifyInet(sock({ family: 'IPv6', local: ['::1', 7878], remote: ['::1', 50000] }), {}, ours).ok, true);
  assert.equal(classifyInet(sock({ family: 'IPv6', local: ['::ffff:127.0.0.1', 7878], remote: ['::ffff:127.0.0.1', 50000] }), {}, ours).ok, true);
});

test('listeners off loopback are violations', () => {
  assert.deepEqual(classifyInet(sock({ state: 'LISTEN', local: ['0.0.0.0', 7878], remote: ['0.0.0.0', 0] }), {}, ours), { ok: false, why: 'listener on all interfaces', final: true });
  assert.equal(classifyInet(sock({ state: 'LISTEN', local: ['192.0.2.5', 7878], remote: ['0.0.0.0', 0] }), {}, ours).why, 'listener on a non-loopback address');
  assert.equal(classifyInet(sock({ state: 'LISTEN', family: 'IPv6', local: ['::', 7878], remote: ['::', 0] }), {}, ours).why, 'listener on all interfaces');
});

test('with explicit listen ports, another loopback listener is unexpected', () => {
  const v = classifyInet(sock({ state: 'LISTEN', local: ['127.0.0.1', 9229], remote: ['0.0.0.0', 0] }), { listenPorts: [7878] }, ours);
  assert.deepEqual(v, { ok: false, why: 'unexpected loopback listener', final: true });
});

test('outgoing connections are violations, loopback ones too unless explicitly allowed', () => {
  assert.deepEqual(classifyInet(sock({ state: 'SYN_SENT', local: ['10.0.0.2', 40000], remote: ['192.0.2.1', 443] }), {}, ours), { ok: false, why: 'connection to a non-loopback address', final: true });
  assert.deepEqual(classifyInet(sock({ local: ['127.0.0.1', 40000], remote: ['127.0.0.1', 3128] }), {}, ours), { ok: false, why: 'outgoing loopback connection', final: true });
  assert.deepEqual(classifyInet(sock({ local: ['127.0.0.1', 40000], remote: ['127.0.0.1', 3128] }), { allowLoopbackPorts: [3128] }, ours), { ok: true, why: 'allowed-loopback-peer', final: true });
});

test('unconnected TCP sockets are violations that may still change', () => {
  assert.deepEqual(classifyInet(sock({ state: 'CLOSE', local: ['0.0.0.0', 0], remote: ['0.0.0.0', 0] }), {}, ours), { ok: false, why: 'unconnected tcp socket', final: false });
});

test('every UDP, raw and ICMP socket is a violation (DNS goes over UDP, even to 127.0.0.53)', () => {
  assert.deepEqual(classifyInet(sock({ protocol: 'udp', state: 'ESTABLISHED', local: ['127.0.0.1', 41000], remote: ['127.0.0.53', 53] }), {}, ours), { ok: false, why: 'udp socket connected to a peer', final: false });
  assert.deepEqual(classifyInet(sock({ protocol: 'udp', state: 'CLOSE', local: ['0.0.0.0', 41000], remote: ['0.0.0.0', 0] }), {}, ours), { ok: false, why: 'udp socket', final: false });
  assert.deepEqual(classifyInet(sock({ protocol: 'raw', state: 'CLOSE', local: ['0.0.0.0', 1], remote: ['0.0.0.0', 0] }), {}, ours), { ok: false, why: 'raw socket', final: true });
  assert.deepEqual(classifyInet(sock({ protocol: 'icmp', state: 'CLOSE', local: ['0.0.0.0', 1], remote: ['0.0.0.0', 0] }), {}, ours), { ok: false, why: 'icmp socket', final: true });
});
