// From a jailed attempt to a security_events row: each escape its own type (critical), a DNS
// query a dns_blocked row with its name, and who made it (exe, argv0, parents) in the details.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toSecurityEvent } from '../../../src/isolation/monitor/index.js';
import { BLOCKED_ATTEMPT_TYPES, SECURITY_EVENT_TYPES } from '../../../src/events/index.js';
import type { JailAttempt } from '../../../src/isolation/jail/index.js';

const base: JailAttempt = { pid: 42, tid: 43, syscall: 'connect', program: 'curl', exe: '/usr/bin/curl', argv0: 'curl', parents: [{ pid: 40, program: 'sh' }], ts: 't' };
const verdict = { violations: 1, terminated: false };

test('a connect is a network_attempt naming the program, where it went, and its parents', () => {
  const e = toSecurityEvent({ detector: 'seccomp', pid: 42, jobId: 'j1', jail: { ...base, family: 'AF_INET', type: 'SOCK_STREAM', address: '93.184.216.34', port: 443, destination: '93.184.216.34:443', errno: 'EPERM' } }, verdict);
  assert.equal(e.type, 'network_attempt');
  assert.equal(e.severity, 'warning');
  assert.equal(e.details.destination, '93.184.216.34:443');
  assert.equal(e.details.host, '93.184.216.34');
  assert.equal(e.details.port, 443);
  assert.equal(e.details.program, 'curl');
  assert.equal(e.details.exe, '/usr/bin/curl');
  assert.equal(e.details.argv0, 'curl');
  assert.deepEqual(e.details.parents, [{ pid: 40, program: 'sh' }]);
  assert.equal(e.details.culprit, 'curl');
  assert.equal(e.details.jobId, 'j1');
  assert.equal(e.details.tid, 43, 'the thread is kept when it differs from the process');
});

test('a DNS query is dns_blocked with the name asked for', () => {
  const e = toSecurityEvent({ detector: 'seccomp', pid: 42, jail: { ...base, syscall: 'sendmmsg', destination: '192.0.2.53:53', dnsName: 'example.invalid', dnsType: 'A,AAAA' } }, verdict);
  assert.equal(e.type, 'dns_blocked');
  assert.equal(e.details.dnsName, 'example.invalid');
  assert.equal(e.details.dnsType, 'A,AAAA');
});

test('each escape is its own critical event type, and counts as a blocked attempt', () => {
  const kinds = { setns: 'escape_setns', pidfd_getfd: 'escape_pidfd_getfd', ptrace: 'escape_ptrace', seccomp_listener: 'escape_seccomp_listener', foreign_syscall: 'escape_foreign_syscall' } as const;
  for (const [escape, type] of Object.entries(kinds)) {
    const e = toSecurityEvent({ detector: 'seccomp', pid: 42, jail: { ...base, syscall: escape === 'foreign_syscall' ? 'socketcall' : escape, escape: escape as keyof typeof kinds } }, verdict);
    assert.equal(e.type, type);
    assert.equal(e.severity, 'critical');
    assert.ok((SECURITY_EVENT_TYPES as readonly string[]).includes(type));
    assert.ok(BLOCKED_ATTEMPT_TYPES.includes(type), `${type} counts as a blocked attempt`);
  }
  assert.ok(!BLOCKED_ATTEMPT_TYPES.includes('nscd_probe'), 'the nscd probe is not a blocked attempt');
});
