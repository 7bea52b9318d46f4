// native/trap.c, the frame recorder of `hermetic prove`, on its own: in a network namespace of
// the test's own making it records every frame on loopback, stops when its parent goes away
// (stdin EOF), reports exact counts — and past its size cap it still counts what it no longer
// writes, so a flood can neither fill the disk nor go unnoticed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturesDir, isRoot, repoRoot, testNode } from '../helpers/paths.js';
import { findProgram, recorderBuilt, recorderPath } from '../../src/prove/tools.js';

interface Result { stats: { frames: number; kernelDrops: number; truncated: number; notWritten: number }; parsed: number; udp: number; udpOut: number }

function record(count: number, maxBytes?: number): Result {
  const dir = mkdtempSync(join(tmpdir(), 'hermetic-recorder-'));
  try {
    const ns = isRoot ? ['--net'] : ['--net', '--map-root-user'];
    const pcapModule = join(repoRoot, 'dist', 'src', 'prove', 'pcap.js');
    const r = spawnSync('unshare', [...ns, '--', testNode, join(fixturesDir, 'prove', 'record-lo.mjs'), recorderPath, pcapModule, join(dir, 'lo.pcap'), String(count), ...(maxBytes ? [String(maxBytes)] : [])],
      { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as Result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function unavailable(): string | null {
  if (process.platform !== 'linux') return 'AF_PACKET is Linux-only';
  if (!recorderBuilt()) return 'native/build/hermetic-trap is not built (no C compiler at install)';
  if (!findProgram('unshare') || !findProgram('ip')) return 'unshare (util-linux) or ip (iproute2) not installed';
  return null;
}

test('records every frame: each datagram is in the file, and the counts agree exactly', (t) => {
  const why = unavailable();
  if (why) return t.skip(why);
  const r = record(25);
  // On loopback each frame passes twice: sent (outgoing) and received (host); the direction is kept.
  assert.equal(r.udp, 25);
  assert.equal(r.udpOut, 25);
  assert.equal(r.stats.frames, r.parsed);
  assert.equal(r.stats.kernelDrops, 0);
  assert.equal(r.stats.notWritten, 0);
});

test('past its size cap it counts without writing, and says how many it did not write', (t) => {
  const why = unavailable();
  if (why) return t.skip(why);
  const r = record(25, 300);
  assert.ok(r.parsed >= 1 && r.parsed < r.stats.frames, JSON.stringify(r));
  assert.equal(r.stats.frames, r.parsed + r.stats.notWritten);
});
