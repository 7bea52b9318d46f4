// The bypass suite's verdict logic must itself be right, or the red team could go green on a hole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CASES, expected } from '../../bypass/expectations.js';

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
