import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSupervisorLine, describeAttempt } from '../../../src/isolation/jail/index.js';
import { LineSplitter } from '../../../src/isolation/jail/protocol.js';

test('parses an attempt line into a JailAttempt', () => {
  const ev = parseSupervisorLine('{"event":"attempt","pid":42,"syscall":"connect","family":"AF_INET","address":"192.0.2.1","port":443,"errno":"EPERM","ts":"2026-01-01T00:00:00.000Z"}');
  assert.deepEqual(ev, { event: 'attempt', attempt: { pid: 42, syscall: 'connect', family: 'AF_INET', address: '192.0.2.1', port: 443, errno: 'EPERM', ts: '2026-01-01T00:00:00.000Z' } });
  if (ev.event !== 'attempt') throw new Error('unreachable');
  assert.equal(describeAttempt(ev.attempt), 'blocked connect (AF_INET) to 192.0.2.1:443 by pid 42 -> EPERM');
});

test('parses started and error lines with their layers', () => {
  const started = parseSupervisorLine('{"event":"started","pid":7,"startTime":99,"supervisorPid":6,"layers":[{"name":"seccomp","inForce":true,"reason":"r"}]}');
  assert.deepEqual(started, { event: 'started', pid: 7, startTime: 99, supervisorPid: 6, layers: [{ name: 'seccomp', inForce: true, reason: 'r' }] });
  const err = parseSupervisorLine('{"event":"error","code":"JAIL_LAYER_UNAVAILABLE","layer":"landlock","errno":1,"message":"m","layers":[]}');
  assert.equal(err.event, 'error');
  if (err.event === 'error') { assert.equal(err.code, 'JAIL_LAYER_UNAVAILABLE'); assert.equal(err.layer, 'landlock'); }
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

test('IPv6 and unix attempts are described readably', () => {
  assert.equal(describeAttempt({ pid: 1, syscall: 'sendto', family: 'AF_INET6', address: '2001:db8::1', port: 53, ts: '' }), 'blocked sendto (AF_INET6) to [2001:db8::1]:53 by pid 1 -> EPERM');
  assert.equal(describeAttempt({ pid: 1, syscall: 'socket', family: 'AF_PACKET', type: 'SOCK_RAW', ts: '' }), 'blocked socket(AF_PACKET, SOCK_RAW) by pid 1 -> EPERM');
  assert.equal(describeAttempt({ pid: 1, syscall: 'connect', family: 'AF_UNIX', path: '/run/x.sock', ts: '' }), 'blocked connect (AF_UNIX) to /run/x.sock by pid 1 -> EPERM');
});
