// hostPidOf: a jailed worker's tripwire names itself by its pid inside the jail's PID namespace;
// the monitor must find the host pid — and only ever one in the channel's own tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostPidOf } from '../../../src/isolation/jail/index.js';

function fakeProc(tree: Record<number, { children: number[]; nspid: number[] }>): string {
  const root = mkdtempSync(join(tmpdir(), 'hermetic-fakeproc-'));
  for (const [pid, p] of Object.entries(tree)) {
    mkdirSync(join(root, pid, 'task', pid), { recursive: true });
    writeFileSync(join(root, pid, 'task', pid, 'children'), p.children.map((c) => `${c} `).join(''));
    writeFileSync(join(root, pid, 'status'), `Name:\tx\nTgid:\t${pid}\nNSpid:\t${p.nspid.join('\t')}\nPPid:\t0\n`);
  }
  return root;
}

test('finds the host pid of a jailed process by its pid inside the jail, searching only the given tree', () => {
  // supervisor 100 -> init 101 (pid 1 inside) -> worker 103 (pid 3 inside); elsewhere 200 is also "3" in another jail.
  const root = fakeProc({
    100: { children: [101], nspid: [100] },
    101: { children: [103], nspid: [101, 1] },
    103: { children: [], nspid: [103, 3] },
    200: { children: [], nspid: [200, 3] },
  });
  try {
    assert.equal(hostPidOf(3, 100, root), 103);
    assert.equal(hostPidOf(1, 100, root), 101);
    // Not in this tree (the other jail's "3" is never blamed), and no PID namespace: null.
    assert.equal(hostPidOf(9, 100, root), null);
    assert.equal(hostPidOf(3, 103, root), null);
    assert.equal(hostPidOf(100, 100, root), null, 'a process outside any nested namespace is not matched');
  } finally { rmSync(root, { recursive: true, force: true }); }
});
