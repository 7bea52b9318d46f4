// The /proc cross-check on real sockets: a socket this test process opens to a loopback canary
// must be found; the accepted end must not; a tree is walked; an unchanged tree is cheap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { ProcScanner, processTree, socketInodes } from '../../../src/isolation/monitor/proc/index.js';
import { startCanary } from '../../helpers/canary.js';
import { startFixture, startProgram, stopChild, sleep } from './monitor-helpers.js';

const skipReason = process.platform !== 'linux' ? 'the /proc cross-check exists on Linux only' : undefined;

test('a socket this process opens to a loopback canary is found, with its pid and fd', { skip: skipReason }, async () => {
  const canary = await startCanary();
  const scanner = new ProcScanner({});
  try {
    const target = `127.0.0.1:${canary.tcpPort}`;
    const before = scanner.scan();
    assert.equal(before.violations.filter((v) => v.remote === target).length, 0, 'nothing to the canary yet');

    const sock: Socket = connect(canary.tcpPort, '127.0.0.1');
    await once(sock, 'connect');
    while (canary.tcpConnections < 1) await sleep(5);
    const after = scanner.scan();
    const found = after.violations.filter((v) => v.remote === target);
    assert.equal(found.length, 1, JSON.stringify(after.violations));
    const f = found[0]!;
    assert.equal(f.pid, process.pid);
    assert.equal(f.protocol, 'tcp');
    assert.equal(f.state, 'ESTABLISHED');
    assert.equal(f.why, 'outgoing loopback connection');
    assert.equal(f.local, `127.0.0.1:${sock.localPort}`);
    // The fd the scan names really is that socket's fd.
    const inodes = socketInodes(process.pid)!;
    assert.equal(inodes.get(f.inode), f.fd);
    // The canary's side of the connection was accepted on our own loopback listener: allowed.
    assert.equal(after.violations.filter((v) => v.local === target).length, 0);
    // The canary's UDP socket is a UDP socket in our process: reported as such.
    assert.ok(after.violations.some((v) => v.protocol === 'udp' && v.local === `127.0.0.1:${canary.udpPort}`));

    sock.destroy();
    await once(sock, 'close');
    await sleep(20);
    const gone = scanner.scan();
    assert.equal(gone.violations.filter((v) => v.remote === target).length, 0, 'closed socket is no longer reported');
  } finally {
    await canary.close();
  }
});

test('an unchanged tree is scanned without reading the socket tables; a new socket forces a read', { skip: skipReason }, async () => {
  const holder = await startFixture('socket-holder.mjs');
  try {
    const listen = await holder.ask('listen');
    const scanner = new ProcScanner({ rootPid: holder.pid, listenPorts: [Number(listen.port)] });
    const first = scanner.scan();
    assert.equal(first.tablesRead, true);
    assert.deepEqual(first.violations, []);
    assert.ok(first.sockets >= 1);
    const second = scanner.scan();
    assert.equal(second.tablesRead, false, 'nothing changed: no table read');
    assert.deepEqual(second.violations, []);

    // A client inside the tree connecting to its own listener: accepted end ok, connecting end not.
    await holder.ask(`connect ${listen.port}`);
    const third = scanner.scan();
    assert.equal(third.tablesRead, true);
    assert.deepEqual(third.violations.map((v) => [v.pid, v.why, v.remote]), [[holder.pid, 'outgoing loopback connection', `127.0.0.1:${listen.port}`]]);

    const udp = await holder.ask('udp');
    const fourth = scanner.scan();
    assert.ok(fourth.violations.some((v) => v.protocol === 'udp' && v.local === `127.0.0.1:${udp.port}` && v.why === 'udp socket'));
  } finally {
    await holder.close();
  }
});

test('the tree walk finds grandchildren, and pruned processes are left out with their descendants', { skip: skipReason }, async () => {
  const sh = await startProgram('sh', ['-c', 'sleep 30 & sleep 30 & wait']);
  try {
    let tree: number[] = [];
    for (let i = 0; i < 100 && tree.length < 4; i++) { tree = processTree(process.pid); await sleep(10); }
    assert.ok(tree.includes(sh.pid!), 'the child is in our tree');
    const below = processTree(sh.pid!);
    assert.equal(below.length, 3, `sh and its two sleeps: ${below.join(',')}`);
    const pruned = processTree(process.pid, (pid) => pid === sh.pid);
    assert.ok(!pruned.includes(sh.pid!));
    for (const p of below) assert.ok(!pruned.includes(p), 'descendants of a pruned process are out too');
    assert.equal(pruned[0], process.pid, 'the root is never pruned');
  } finally {
    await stopChild(sh);
  }
});
