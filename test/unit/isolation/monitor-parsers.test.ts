// The /proc parsers, on fixed samples (both byte orders) and on this machine's real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeEndpoint, parseInetTable, parseInodeColumn, INODE_COLUMN, parseStat, readStat, parseSnmp, parseSnmp6, attemptDelta, readNetnsCounters } from '../../../src/isolation/monitor/proc/index.js';

const TCP_SAMPLE = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1EC6 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 552 1 0000000053dd3b1c 100 0 0 10 0
   1: 0100007F:D2F0 0100007F:1EC6 01 00000000:00000000 00:00000000 00000000  1000        0 7781 1 0000000000000000 20 4 30 10 -1
   2: 020200C0:DFEE 010200C0:0050 02 00000000:00000000 03:000011BA 00000000     0        0 0 3 000000002df734b8
`;

const TCP6_SAMPLE = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 991 1 0000000000000000 100 0 0 10 0
   1: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 992 1 0000000000000000 100 0 0 10 0
   2: B80D0120000000000000000001000000:C350 B80D0120000000000000000002000000:01BB 02 00000000:00000000 00:00000000 00000000     0        0 993 1 0000000000000000 100 0 0 10 0
`;

test('IPv4 endpoints decode in host (little-endian) order', () => {
  assert.deepEqual(decodeEndpoint('0100007F:1F90', true), { address: '127.0.0.1', port: 8080 });
  assert.deepEqual(decodeEndpoint('020200C0:0050', true), { address: '192.0.2.2', port: 80 });
});

test('IPv4 endpoints decode on a big-endian host', () => {
  assert.deepEqual(decodeEndpoint('7F000001:1F90', false), { address: '127.0.0.1', port: 8080 });
});

test('IPv6 endpoints decode: loopback, v4-mapped, documentation prefix', () => {
  assert.equal(decodeEndpoint('00000000000000000000000001000000:0000', true).address, '::1');
  assert.equal(decodeEndpoint('00000000000000000000000000000000:0000', true).address, '::');
  assert.equal(decodeEndpoint('0000000000000000FFFF00000100007F:0000', true).address, '::ffff:127.0.0.1');
  assert.equal(decodeEndpoint('B80D0120000000000000000001000000:0000', true).address, '2001:db8::1');
  assert.equal(decodeEndpoint('20010DB8000000000000000000000001:0000', false).address, '2001:db8::1');
  assert.throws(() => decodeEndpoint('123:0'), /unrecognised socket address/);
});

test('tcp table: listener, established loopback, connecting socket without inode', () => {
  const rows = parseInetTable(TCP_SAMPLE, 'tcp', true);
  assert.equal(rows.length, 3);
  assert.deepEqual(rows[0], { inode: 552, protocol: 'tcp', family: 'IPv4', local: { address: '127.0.0.1', port: 7878 }, remote: { address: '0.0.0.0', port: 0 }, state: 'LISTEN', uid: 0 });
  assert.equal(rows[1]!.state, 'ESTABLISHED');
  assert.equal(rows[1]!.uid, 1000);
  assert.deepEqual(rows[1]!.remote, { address: '127.0.0.1', port: 7878 });
  assert.equal(rows[2]!.state, 'SYN_SENT');
  assert.equal(rows[2]!.remote.address, '192.0.2.1');
});

test('tcp6 table decodes families and addresses', () => {
  const rows = parseInetTable(TCP6_SAMPLE, 'tcp6', true);
  assert.deepEqual(rows.map((r) => [r.inode, r.family, r.local.address, r.remote.address, r.state]), [
    [991, 'IPv6', '::1', '::', 'LISTEN'],
    [992, 'IPv6', '::ffff:127.0.0.1', '::ffff:127.0.0.1', 'ESTABLISHED'],
    [993, 'IPv6', '2001:db8::1', '2001:db8::2', 'SYN_SENT'],
  ]);
});

test('udp and raw tables carry their protocol', () => {
  const udp = parseInetTable(`header\n  1: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 4242 2 0 0\n`, 'udp', true);
  assert.equal(udp[0]!.protocol, 'udp');
  assert.equal(udp[0]!.state, 'CLOSE');
  const raw = parseInetTable(`header\n  1: 00000000:0001 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 4343 2 0 0\n`, 'raw6', true);
  assert.equal(raw[0]!.protocol, 'raw');
  assert.equal(raw.length, 1);
});

test('unix/netlink/packet inode columns', () => {
  const unix = `Num       RefCount Protocol Flags    Type St Inode Path
0000000000000000: 00000002 00000000 00010000 0001 01 11111 /run/systemd/notify
0000000000000000: 00000003 00000000 00000000 0001 03 22222
`;
  assert.deepEqual(parseInodeColumn(unix, INODE_COLUMN.unix), [11111, 22222]);
  const netlink = `sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode
00000000e91681a6 0   0          00000000 0        0        0     2        0        4
`;
  assert.deepEqual(parseInodeColumn(netlink, INODE_COLUMN.netlink), [4]);
});

test('stat: a comm with spaces and parentheses does not shift the fields', () => {
  const text = '4242 (evil) name (x)) S 17 4242 4242 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 987654 1000 10 18446744073709551615';
  const st = parseStat(text);
  assert.deepEqual(st, { pid: 4242, comm: 'evil) name (x)', state: 'S', ppid: 17, startTime: 987654 });
  assert.throws(() => parseStat('garbage'), /malformed/);
});

test('stat of this very process matches what the kernel says', () => {
  const st = readStat(process.pid);
  assert.ok(st);
  assert.equal(st.pid, process.pid);
  assert.equal(st.ppid, process.ppid);
  assert.ok(st.startTime > 0);
  assert.equal(readStat(2 ** 22 + 1), null, 'a pid that cannot exist has no stat');
});

const SNMP_SAMPLE = `Ip: Forwarding DefaultTTL InReceives OutRequests OutNoRoutes
Ip: 2 64 5 7 1
Tcp: RtoAlgorithm ActiveOpens PassiveOpens
Tcp: 1 3 0
Udp: InDatagrams OutDatagrams
Udp: 0 2
`;

test('snmp tables parse as Group.Field and deltas count only attempt counters that grew', () => {
  const c = parseSnmp(SNMP_SAMPLE);
  assert.equal(c['Ip.OutRequests'], 7);
  assert.equal(c['Tcp.ActiveOpens'], 3);
  assert.equal(c['Udp.OutDatagrams'], 2);
  const c6 = parseSnmp6('Ip6InReceives                   \t1\nIp6OutNoRoutes   4\nUdp6OutDatagrams 0\n');
  assert.deepEqual(c6, { 'Ip6.InReceives': 1, 'Ip6.OutNoRoutes': 4, 'Udp6.OutDatagrams': 0 });
  assert.deepEqual(attemptDelta(null, { ...c, ...c6 }), { 'Ip.OutRequests': 7, 'Ip.OutNoRoutes': 1, 'Tcp.ActiveOpens': 3, 'Udp.OutDatagrams': 2, 'Ip6.OutNoRoutes': 4 });
  assert.deepEqual(attemptDelta(c, c), {}, 'unchanged counters are no attempt');
  assert.throws(() => parseSnmp('Ip: A B\nTcp: 1 2\n'), /malformed/);
});

test('the real /proc/self/net/snmp parses and has the counters we rely on', () => {
  const c = readNetnsCounters(process.pid);
  assert.ok(c);
  for (const k of ['Ip.OutRequests', 'Ip.OutNoRoutes', 'Tcp.ActiveOpens', 'Udp.OutDatagrams']) assert.equal(typeof c[k], 'number', k);
  const raw = parseSnmp(readFileSync('/proc/self/net/snmp', 'latin1'));
  assert.ok(Object.keys(raw).length > 20);
});
