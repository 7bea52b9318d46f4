// `hermetic run` fails closed: with every kernel layer refused (fault injection, as a machine
// without user namespaces, Landlock and seccomp would behave), the command is NOT run — exit 125,
// each missing layer named with its reason — unless the user opts out explicitly with
// --allow-no-kernel-layers, which runs it and says loudly that it is not isolated. Positive
// control: the same command with the layers available runs, with no warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath, testNode } from '../helpers/paths.js';
import { helperBuilt, probe } from '../../src/isolation/jail/index.js';

const linux = process.platform === 'linux';
const ALL_KERNEL = 'namespace,mountns,landlock,seccomp';

function run(args: string[], dir: string, fault?: string): { status: number | null; stderr: string; ran: boolean } {
  const marker = join(dir, 'ran');
  rmSync(marker, { force: true });
  const env: NodeJS.ProcessEnv = { ...process.env, HERMETIC_DATA_DIR: join(dir, 'data') };
  delete env.HERMETIC_JAIL_FAULT;
  if (fault) env.HERMETIC_JAIL_FAULT = fault;
  const r = spawnSync(testNode, [cliPath, 'run', '--allow-write', dir, ...args, '--', 'sh', '-c', `touch ${marker}`], { encoding: 'utf8', env, timeout: 60_000 });
  return { status: r.status, stderr: r.stderr, ran: existsSync(marker) };
}

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'hermetic-fail-closed-'));
  chmodSync(dir, 0o755);
  try { fn(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
}

test('every kernel layer refused: exit 125, each missing layer named, the command not run', { skip: !linux && 'Linux only', timeout: 60_000 }, () => {
  assert.ok(helperBuilt(), 'native/build/hermetic-jail is not built (npm run build:native)');
  withDir((dir) => {
    const r = run([], dir, ALL_KERNEL);
    assert.equal(r.status, 125, r.stderr);
    assert.equal(r.ran, false, 'the command must not have run');
    assert.match(r.stderr, /^hermetic run: refusing to run sh: no kernel layer is in force/m);
    for (const l of ['namespace', 'landlock', 'seccomp']) assert.match(r.stderr, new RegExp(`${l} \\(fault injected`), `${l} named with its reason`);
    assert.match(r.stderr, /--allow-no-kernel-layers/);
    assert.doesNotMatch(r.stderr, /WARNING/);
  });
});

test('layers left off with --disable count as missing too (exit 125)', { skip: !linux && 'Linux only', timeout: 60_000 }, () => {
  withDir((dir) => {
    const r = run(['--disable', 'namespace', '--disable', 'mountns', '--disable', 'landlock', '--disable', 'seccomp'], dir);
    assert.equal(r.status, 125, r.stderr);
    assert.equal(r.ran, false);
    assert.match(r.stderr, /namespace \(disabled by the caller\)/);
  });
});

test('--allow-no-kernel-layers: runs it anyway, and warns that it is not isolated', { skip: !linux && 'Linux only', timeout: 60_000 }, () => {
  withDir((dir) => {
    const r = run(['--allow-no-kernel-layers'], dir, ALL_KERNEL);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.ran, true);
    assert.match(r.stderr, /^hermetic run: WARNING: no kernel layer is in force \(namespace: fault injected.*\); sh runs WITH network access \(--allow-no-kernel-layers\)\.$/m);
  });
});

test('positive control: with the layers available the same command runs, without a warning', { skip: !linux && 'Linux only', timeout: 60_000 }, (t) => {
  const caps = probe({ refresh: true });
  const walls = (['namespace', 'landlock', 'seccomp'] as const).filter((l) => caps.layers[l].available);
  if (!walls.length) { t.skip(`no kernel layer on this machine: ${caps.layers.seccomp.reason}`); return; }
  withDir((dir) => {
    const r = run([], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.ran, true);
    assert.doesNotMatch(r.stderr, /WARNING|refusing/);
    // One wall suffices: all but one refused still runs.
    const others = ['namespace', 'mountns', 'landlock', 'seccomp'].filter((l) => l !== walls[0] && !(walls[0] === 'namespace' && l === 'mountns'));
    const one = run([], dir, others.join(','));
    assert.equal(one.status, 0, one.stderr);
    assert.equal(one.ran, true);
  });
});

test('run --help documents the opt-out', { timeout: 30_000 }, () => {
  const r = spawnSync(testNode, [cliPath, 'run', '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout + r.stderr, /--allow-no-kernel-layers +run COMMAND even when no kernel layer is in force \(NOT isolated\)/);
  assert.match(r.stdout + r.stderr, /Fail closed: if no kernel layer can be applied/);
});
