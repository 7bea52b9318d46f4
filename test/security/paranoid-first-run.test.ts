// Issue 13 item 14: `--strictness paranoid` on a first run — the data dir does not exist yet —
// exited with `JAIL_BAD_ARGUMENT: allowWrite: … is not an existing directory`: the launcher named
// a folder for the jailed server to write that nobody had created. It must be created (privately,
// after the same checks as every start) before the jail is asked for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { paranoidUnavailable } from '../helpers/paranoid.js';
import { privateTmp, rawRequest, removeTree, serve } from './harness.js';

test('paranoid mode starts with a data dir that does not exist yet, and creates it 0700', async (t) => {
  const why = paranoidUnavailable();
  if (why) return t.skip(why);
  const root = privateTmp();
  t.after(() => removeTree(root));
  const dataDir = join(root, 'first', 'run', 'hermetic');
  assert.equal(existsSync(dataDir), false);
  const s = await serve({ dataDir, args: ['--strictness', 'paranoid'], timeoutMs: 90_000 });
  try {
    assert.doesNotMatch(s.stderr(), /JAIL_BAD_ARGUMENT/);
    assert.equal(statSync(dataDir).mode & 0o777, 0o700);
    assert.equal(statSync(join(dataDir, 'token')).mode & 0o777, 0o600);
    const h = await rawRequest(s.port, 'GET', '/api/health');
    assert.equal(h.status, 200);
    assert.equal((JSON.parse(h.body) as { isolation: { strictness: string } }).isolation.strictness, 'paranoid');
  } finally {
    // Not asserted here: its exit code. The jail helper forwards a SIGTERM to the jailed server
    // twice (pidfd, then again as a member of the tree: native/jail.c kill_tree), and the second
    // can make the server exit 1 ("SIGTERM again") — reported to the jail's owner, not item 14.
    const exit = await s.stop();
    assert.ok(exit.code !== null || exit.signal !== null, `stopped: ${JSON.stringify(exit)}`);
  }
});
