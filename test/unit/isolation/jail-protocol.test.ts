import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSupervisorLine, describeAttempt, destinationOf } from '../../../src/isolation/jail/index.js';
import { LineSplitter } from '../../../src/isolation/jail/protocol.js';
import type { JailAttempt } from '../../../src/isolation/jail/index.js';

const TS = '2026-01-01T00:00:00.000Z';

test('parses an attempt line with who made it and where it was going', () => {
  const ev = parseSupervisorLine(JSON.stringify({
    event: 'attempt', syscall: 'connect', pid: 42, tid: 43, program: 'curl', comm: 'curl', exe: '/usr/bin/curl', argv0: 'curl',
    parents: [{ pid: 40, program: 'sh' }], type: 'SOCK_STREAM', family: 'AF_INET', address: '192.0.2.1', port: 443, destination: '192.0.2.1:443',
    errno: 'EPERM', ts: TS,
  }));
  assert.deepEqual(ev, { event: 'attempt', attempt: {
    pid: 42, tid: 43, syscall: 'connect', program: 'curl', comm: 'curl', exe: '/usr/bin/curl', argv0: 'curl', parents: [{ pid: 40, program: 'sh' }],
    type: 'SOCK_STREAM', family: 'AF_INET', address: '192.0.2.1', port: 443, destination: '192.0.2.1:443', errno: 'EPERM', ts: TS,
  } });
  if (ev.event !== 'attempt') throw new Error('unreachable');
  assert.equal(describeAttempt(ev.attempt), 'curl (pid 42, /usr/bin/curl, child of sh 40) tried to connect to 192.0.2.1:443 — blocked (EPERM)');
});

test('a DNS query is described by its name; escapes by what they are', () => {
  const dns: JailAttempt = { pid: 7, syscall: 'sendmmsg', program: 'python3.11', exe: '/usr/bin/python3.11', destination: '192.0.2.53:53', dnsName: 'example.invalid', dnsType: 'A,AAAA', errno: 'EPERM', ts: TS };
  assert.equal(describeAttempt(dns), 'python3.11 (pid 7, /usr/bin/python3.11) tried to resolve example.invalid (A,AAAA) via 192.0.2.53:53 — blocked (EPERM)');
  const setns = parseSupervisorLine(JSON.stringify({ event: 'attempt', escape: 'setns', syscall: 'setns', pid: 9, program: 'x', exe: '/tmp/x', parents: [], nstype: 1073741824, errno: 'EPERM', ts: TS }));
  assert.ok(setns.event === 'attempt' && setns.attempt.escape === 'setns');
  if (setns.event === 'attempt') assert.equal(describeAttempt(setns.attempt), 'x (pid 9, /tmp/x) tried to join another namespace (setns) — blocked (EPERM)');
  const foreign = parseSupervisorLine(JSON.stringify({ event: 'attempt', escape: 'foreign_syscall', syscall: 'socketcall', arch: 'i386', nr: 102, pid: 9, program: 'x', action: 'killed', ts: TS }));
  if (foreign.event !== 'attempt') throw new Error('unreachable');
  assert.equal(foreign.attempt.nr, 102);
  assert.equal(describeAttempt(foreign.attempt), 'x (pid 9) made a system call of a foreign ABI (i386 socketcall) — process killed');
  // An unknown escape kind is not trusted into the type.
  const odd = parseSupervisorLine(JSON.stringify({ event: 'attempt', escape: 'rm -rf', syscall: 'x', pid: 1, ts: TS }));
  assert.ok(odd.event === 'attempt' && odd.attempt.escape === undefined);
});

test('parses started (PID namespace, relayed stdio), notice and error lines', () => {
  const started = parseSupervisorLine('{"event":"started","pid":7,"startTime":99,"supervisorPid":6,"initPid":5,"pidNamespace":true,"relayed":[{"fd":0,"family":"AF_INET","type":"SOCK_DGRAM"}],"layers":[{"name":"seccomp","inForce":true,"reason":"r"}]}');
  assert.deepEqual(started, { event: 'started', pid: 7, startTime: 99, supervisorPid: 6, initPid: 5, pidNamespace: true, relayed: [{ fd: 0, family: 'AF_INET', type: 'SOCK_DGRAM' }], layers: [{ name: 'seccomp', inForce: true, reason: 'r' }] });
  // An older helper's line (no PID namespace fields) still parses.
  const old = parseSupervisorLine('{"event":"started","pid":7,"startTime":99,"supervisorPid":6,"layers":[]}');
  assert.ok(old.event === 'started' && old.pidNamespace === false && old.initPid === 7 && old.relayed.length === 0);
  const notice = parseSupervisorLine('{"event":"notice","kind":"nscd","syscall":"connect","pid":3,"program":"id","exe":"/usr/bin/id","destination":"/var/run/nscd/socket","errno":"EPERM","ts":"t"}');
  assert.deepEqual(notice, { event: 'notice', notice: { kind: 'nscd', pid: 3, program: 'id', exe: '/usr/bin/id', destination: '/var/run/nscd/socket', ts: 't' } });
  const err = parseSupervisorLine('{"event":"error","code":"JAIL_LAYER_UNAVAILABLE","layer":"landlock","errno":1,"message":"m","layers":[]}');
  assert.equal(err.event, 'error');
  if (err.event === 'error') { assert.equal(err.code, 'JAIL_LAYER_UNAVAILABLE'); assert.equal(err.layer, 'landlock'); }
  const setup = parseSupervisorLine('{"event":"error","code":"JAIL_SETUP_FAILED","layer":null,"errno":22,"message":"setrlimit(RLIMIT_DATA): Invalid argument","layers":[]}');
  assert.ok(setup.event === 'error' && setup.code === 'JAIL_SETUP_FAILED');
});

test('a malformed line is surfaced, not dropped', () => {
  assert.deepEqual(parseSupervisorLine('{nope'), { event: 'malformed', line: '{nope' });
  assert.deepEqual(parseSupervisorLine('{"event":"other"}'), { event: 'malformed', line: '{"event":"other"}' });
});

test('LineSplitter joins lines split across chunks', () => {
  const s = new LineSplitter();
  assert.deepEqual(s.push('{"a":1}\n{"b"'), ['{"a":1}']);
  assert.deepEqual(s.push(':2}\n'), ['{"b":2}']);
  assert.deepEqual(s.push(''), []);
});

test('IPv6, unix, socket-level and TCP Fast Open attempts are described readably', () => {
  assert.equal(describeAttempt({ pid: 1, syscall: 'sendto', family: 'AF_INET6', address: '2001:db8::1', port: 53, ts: '' }), 'a process (pid 1) tried to send to [2001:db8::1]:53 — blocked (EPERM)');
  assert.equal(describeAttempt({ pid: 1, syscall: 'socket', family: 'AF_PACKET', type: 'SOCK_RAW', program: 'p', ts: '' }), 'p (pid 1) tried to open a AF_PACKET SOCK_RAW socket — blocked (EPERM)');
  assert.equal(describeAttempt({ pid: 1, syscall: 'connect', family: 'AF_UNIX', path: '/run/x.sock', program: 'p', ts: '' }), 'p (pid 1) tried to connect to /run/x.sock — blocked (EPERM)');
  assert.equal(describeAttempt({ pid: 1, syscall: 'sendto', destination: '192.0.2.1:80', tfo: true, program: 'p', ts: '' }), 'p (pid 1) tried to send to 192.0.2.1:80 with TCP Fast Open — blocked (EPERM)');
  assert.equal(destinationOf({ address: '2001:db8::1', port: 5 }), '[2001:db8::1]:5');
  assert.equal(destinationOf({ path: '@abstract-name' }), '@abstract-name');
});
