// The bypass suite's verdict logic must itself be right, or the red team could go green on a hole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CASES, expected, reportSpec } from '../../bypass/expectations.js';

const spec = (n: string) => { const s = CASES[n]; assert.ok(s, n); return s; };

test('the first layer in force that covers a case decides its code', () => {
  assert.deepEqual(expected(spec('tcp4'), new Set(['seccomp', 'landlock', 'namespace'])), { kind: 'blocked', by: 'seccomp', codes: ['EPERM'] });
  assert.deepEqual(expected(spec('tcp4'), new Set(['landlock', 'namespace'])), { kind: 'blocked', by: 'landlock', codes: ['EACCES'] });
  assert.deepEqual(expected(spec('udp4'), new Set(['landlock'])), { kind: 'open' });
  assert.deepEqual(expected(spec('unix_abstract_socket'), new Set(['landlock', 'namespace'])), { kind: 'blocked', by: 'namespace', codes: ['ECONNREFUSED'] });
});

test('with no layer in force, every network case is open (the positive control is asserted)', () => {
  for (const [name, s] of Object.entries(CASES)) {
    const v = expected(s, new Set());
    assert.equal(v.kind, 'open', name);
  }
});

test('a known residual gap is reported as unasserted, never as blocked', () => {
  assert.equal(expected(spec('tcp_fast_open'), new Set(['landlock'])).kind, 'unasserted');
  assert.equal(expected(spec('tcp_fast_open'), new Set(['landlock', 'seccomp'])).kind, 'blocked');
});

test('a maybe layer does not end the search: TCP Fast Open and MPTCP are asserted with namespace + Landlock', () => {
  // The namespace must stop them; Landlock may beat it to it, and its code is then accepted too.
  assert.deepEqual(expected(spec('tcp_fast_open'), new Set(['landlock', 'namespace'])), { kind: 'blocked', by: 'namespace', codes: ['ENETUNREACH', 'EACCES'] });
  assert.deepEqual(expected(spec('mptcp'), new Set(['landlock', 'mountns', 'namespace'])), { kind: 'blocked', by: 'namespace', codes: ['ENETUNREACH', 'EACCES'] });
});

test("an ordinary user with no layer meets the kernel's own permission checks, never an 'open' that cannot be", () => {
  assert.deepEqual(expected(spec('af_packet'), new Set(), true), { kind: 'blocked', by: 'kernel-permissions', codes: ['EPERM'] });
  assert.deepEqual(expected(spec('af_packet'), new Set(), false), { kind: 'open' });
  // seccomp still comes first (its filter runs at syscall entry).
  assert.equal(expected(spec('setns_escape'), new Set(['seccomp']), true).kind, 'blocked');
  assert.deepEqual(expected(spec('setns_escape'), new Set(['seccomp']), true), { kind: 'blocked', by: 'seccomp', codes: ['EPERM'] });
});

test('every network case has a positive control: a canary, or success when nothing stops it', () => {
  for (const [name, s] of Object.entries(CASES)) {
    if (name === 'write_inside_allowed') continue;
    assert.ok(s.canary !== undefined || s.throughWhenOpen === true, `${name} has no positive control`);
  }
});

test('what a seccomp report must carry follows the wall: destination with the namespace, family at socket() without', () => {
  const lab = { host: '192.0.2.1', tcp: 4242 };
  assert.equal(reportSpec(spec('tcp4'), true)?.destination?.(lab), '192.0.2.1:4242');
  assert.deepEqual(reportSpec(spec('tcp4'), false), { syscall: ['socket'], family: 'AF_INET' });
  assert.equal(reportSpec(spec('dns_lookup'), true)?.dnsName, 'dns-lookup.hermetic-canary.invalid');
  assert.equal(reportSpec(spec('io_uring'), true), null);
});
