import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLoopbackAddress, parseIPv4Routes, parseIPv6Routes, parseInterfaces, parseNameservers, parseSocketTable, parseStatus } from '../../../src/isolation/verify/proc.js';

const ROUTE = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0
eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
`;
const IPV6 = `fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000002 00000000 00000003     eth0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo
`;

test('IPv4 routes: little-endian hex decoded, default route recognised', () => {
  const r = parseIPv4Routes(ROUTE);
  assert.deepEqual(r, [
    { iface: 'eth0', destination: '0.0.0.0', gateway: '192.0.2.1', isDefault: true },
    { iface: 'eth0', destination: '192.0.2.0', gateway: '0.0.0.0', isDefault: false },
  ]);
});

test('IPv6 routes: default via eth0 found, the lo reject route ignored', () => {
  const r = parseIPv6Routes(IPV6);
  assert.equal(r.length, 2);
  assert.deepEqual(r.filter((x) => x.isDefault).map((x) => [x.iface, x.gateway]), [['eth0', 'fd00::1']]);
  assert.equal(r[0]?.destination, 'fd00::/64');
});

test('interfaces, nameservers, status lines', () => {
  assert.deepEqual(parseInterfaces('Inter-|  Receive\n face |bytes\n    lo: 1 2\n  eth0: 3 4\n'), ['lo', 'eth0']);
  assert.deepEqual(parseNameservers('# x\nnameserver 10.0.0.53\nsearch lan\nnameserver ::1\n'), ['10.0.0.53', '::1']);
  assert.deepEqual(parseStatus('Name:\tnode\nSeccomp:\t2\nNoNewPrivs:\t1\n'), { Name: 'node', Seccomp: '2', NoNewPrivs: '1' });
});

test('socket tables: IPv4, IPv6 and v4-mapped addresses; loopback classification', () => {
  const tcp = parseSocketTable('  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:1EC6 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 552 1 0 100 0 0 10 0\n', 'tcp');
  assert.deepEqual(tcp.map((s) => [s.localAddress, s.localPort, s.state, s.inode]), [['127.0.0.1', 7878, '0A', 552]]);
  const tcp6 = parseSocketTable('header\n   0: 00000000000000000000000001000000:1EC6 00000000000000000000000000000000:0000 0A 0:0 0:0 0 0 0 777 1\n   1: 0000000000000000FFFF00000100007F:0050 00000000000000000000000000000000:0000 0A 0:0 0:0 0 0 0 778 1\n   2: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 0:0 0:0 0 0 0 779 1\n', 'tcp6');
  assert.deepEqual(tcp6.map((s) => s.localAddress), ['::1', '::ffff:127.0.0.1', '::']);
  assert.deepEqual(tcp6.map((s) => isLoopbackAddress(s.localAddress)), [true, true, false]);
  assert.equal(isLoopbackAddress('0.0.0.0'), false);
  assert.equal(isLoopbackAddress('127.0.0.53'), true);
});
