import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sandboxExecProfile, sandboxExecArgs } from '../../../src/isolation/jail/index.js';

test('the macOS profile denies all network and every write outside the allowed folders', () => {
  const p = sandboxExecProfile({ allowWrite: ['/tmp/job 1', '/tmp/we"ird\\dir'] });
  assert.match(p, /^\(version 1\)/);
  assert.match(p, /\n\(deny network\*\)\n/);
  assert.match(p, /\(deny network-outbound\)/);
  assert.match(p, /\(deny mach-lookup \(global-name "com\.apple\.dnssd\.service"\)\)/);
  assert.match(p, /\(deny file-write\*\)/);
  assert.ok(p.includes('(subpath "/tmp/job 1")'));
  assert.ok(p.includes('(subpath "/tmp/we\\"ird\\\\dir")'), 'quotes and backslashes are escaped');
  // No rule re-allows the network after the deny.
  assert.doesNotMatch(p.slice(p.indexOf('(deny network*)')), /\(allow network/);
  assert.deepEqual(sandboxExecArgs(p).slice(0, 2), ['/usr/bin/sandbox-exec', '-p']);
});

test('without folders, nothing but /dev/null-like sinks is writable', () => {
  const p = sandboxExecProfile();
  assert.doesNotMatch(p, /subpath/);
  assert.match(p, /\(literal "\/dev\/null"\)/);
});
