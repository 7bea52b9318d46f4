// The compiled fixtures of the jail tests (test/fixtures/jail/*.c), built once per test process
// into a world-readable temp folder (an unprivileged test user must be able to run them). A
// missing compiler is a failure, not a skip: CI installs gcc and gcc-multilib, and a green run
// without these fixtures would not have exercised the foreign-ABI kill at all.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturesDir } from './paths.js';

export interface JailFixtures {
  dir: string;
  /** test/fixtures/jail/escape.c, native (x86_64 / aarch64). */
  escape: string;
  /** test/fixtures/jail/i386-connect.c built with -m32 (x86_64 only). */
  i386: string | null;
  remove(): void;
}

let built: JailFixtures | null = null;

function cc(args: string[]): void {
  const r = spawnSync(process.env.CC || 'cc', args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`compiling a jail fixture failed (cc ${args.join(' ')}): ${r.error?.message ?? r.stderr}`);
}

export function jailFixtures(): JailFixtures {
  if (built) return built;
  const dir = mkdtempSync(join(tmpdir(), 'hermetic-jail-fixtures-'));
  chmodSync(dir, 0o755);
  const escape = join(dir, 'escape');
  cc(['-O1', '-Wall', '-o', escape, join(fixturesDir, 'jail', 'escape.c')]);
  let i386: string | null = null;
  if (process.arch === 'x64') {
    i386 = join(dir, 'i386-connect');
    // gcc-multilib (32-bit libc) is part of the CI set-up: its absence fails here, loudly.
    cc(['-m32', '-O1', '-Wall', '-o', i386, join(fixturesDir, 'jail', 'i386-connect.c')]);
  }
  built = { dir, escape, i386, remove: () => { rmSync(dir, { recursive: true, force: true }); built = null; } };
  return built;
}
