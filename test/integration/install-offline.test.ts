// Install needs nothing but registry tarballs: a fresh copy of the checkout is installed with
// `npm ci --offline` from the npm cache that the normal install just filled, inside a network
// namespace this test creates (only `lo`, no route anywhere), with no user .npmrc and an empty
// HOME. If any step wanted the network (node-gyp headers, a prebuilt binary, a postinstall
// download) it would fail here. It must build native/jail.c, print no npm warning, and the CLI
// must answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { repoRoot, testNode, isRoot } from '../helpers/paths.js';

/** npm's own CLI script: the one running `npm test`, or the one beside the Node on PATH. */
function npmCli(): string | null {
  const fromEnv = process.env.npm_execpath;
  if (fromEnv && /npm-cli\.js$/.test(fromEnv) && existsSync(fromEnv)) return fromEnv;
  const which = spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' });
  if (which.status !== 0) return null;
  const real = spawnSync('readlink', ['-f', which.stdout.trim()], { encoding: 'utf8' }).stdout.trim();
  return real.endsWith('npm-cli.js') ? real : null;
}

/** The files a fresh clone would have: tracked plus new, not ignored (node_modules, dist …). */
function listCheckout(): string[] | null {
  const r = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repoRoot, encoding: 'utf8' });
  if (r.status !== 0) return null;
  return r.stdout.split('\0').filter((f) => f && existsSync(join(repoRoot, f)));
}

test('npm ci --offline of a fresh copy succeeds in an empty network namespace: jail built, no warnings, CLI runs', { timeout: 600_000 }, (t) => {
  const npm = npmCli();
  if (!npm) return t.skip('npm (npm-cli.js) not found on PATH');
  const files = listCheckout();
  if (!files) return t.skip('git is not available to list the checkout');
  const ns = isRoot ? ['--net'] : ['--net', '--map-root-user'];
  const probe = spawnSync('unshare', [...ns, 'true']);
  if (probe.status !== 0) return t.skip(`cannot create a network namespace here: ${probe.error?.message ?? String(probe.stderr).trim()}`);
  const cache = spawnSync(testNode, [npm, 'config', 'get', 'cache'], { encoding: 'utf8' }).stdout.trim();
  assert.ok(cache && existsSync(cache), `npm cache folder ${cache} exists (filled by the normal install)`);

  const work = mkdtempSync(join(tmpdir(), 'hermetic-offline-install-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const clone = join(work, 'hermetic');
  const home = join(work, 'home');
  mkdirSync(home);
  for (const f of files) {
    mkdirSync(dirname(join(clone, f)), { recursive: true });
    cpSync(join(repoRoot, f), join(clone, f));
  }
  // Only the Node under test and system tools on PATH: nothing of the caller's environment
  // (no npm_config_* from `npm test`, no user .npmrc, no HOME with state) may help.
  const env: Record<string, string> = {
    PATH: `${dirname(testNode)}:/usr/local/bin:/usr/bin:/bin`,
    HOME: home,
    NPM_CONFIG_USERCONFIG: '/dev/null',
    LANG: 'C.UTF-8',
  };
  const script = 'ip link set lo up 2>/dev/null; exec "$@"';
  const r = spawnSync('unshare', [...ns, '--', 'sh', '-c', script, 'sh', testNode, npm, 'ci', '--offline', '--cache', cache, '--no-progress'],
    { cwd: clone, env, encoding: 'utf8', timeout: 540_000 });
  const out = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, `npm ci --offline failed:\n${out.slice(-4000)}`);
  assert.doesNotMatch(out, /npm warn|npm WARN|gyp|EBADENGINE|Unknown project config/i, `install printed a warning:\n${out}`);
  assert.ok(existsSync(join(clone, 'native', 'build', 'hermetic-jail')), 'native/jail.c was compiled');
  assert.equal(existsSync(join(clone, 'node_modules', 'better-sqlite3')), false);
  assert.equal(existsSync(join(clone, 'node_modules', 'node-gyp')), false);

  const help = spawnSync(testNode, [join(clone, 'dist', 'src', 'cli', 'main.js'), '--help'], { env, encoding: 'utf8' });
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^Usage: hermetic <command>/);
  assert.equal(help.stderr, '', 'no runtime warning (e.g. the SQLite ExperimentalWarning) on stderr');
});

test('without a C compiler: the install step succeeds and says so; `hermetic verify` names the missing jail helper', { timeout: 120_000 }, (t) => {
  const work = mkdtempSync(join(tmpdir(), 'hermetic-no-cc-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  // A package copy with no native/build: what an install on a machine without `cc` leaves.
  for (const p of ['package.json', 'scripts', 'dist', 'web', join('native', 'jail.c')]) cpSync(join(repoRoot, p), join(work, p), { recursive: true });
  symlinkSync(join(repoRoot, 'node_modules'), join(work, 'node_modules'));
  const env = { ...process.env, CC: join(work, 'no-such-compiler') };
  const build = spawnSync(testNode, [join(work, 'scripts', 'build-native.mjs')], { env, encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr);
  assert.match(build.stdout, /no C compiler .* the kernel jail helper was NOT built/);
  assert.equal(existsSync(join(work, 'native', 'build', 'hermetic-jail')), false);

  const verify = spawnSync(testNode, [join(work, 'dist', 'src', 'cli', 'main.js'), 'verify', '--json', '--data-dir', join(work, 'data')], { env, encoding: 'utf8', timeout: 60_000 });
  const report = JSON.parse(verify.stdout) as { verdict: { level: string }; checks: { id: string; status: string; detail: string }[] };
  const layers = report.checks.find((c) => c.id === 'jail.layers');
  assert.match(layers?.detail ?? '', /jail helper: not built/);
  assert.notEqual(report.verdict.level, 'kernel-enforced');

  // Positive control: a compiler that exists but fails is an install error, not a silent skip.
  const badCc = join(work, 'bad-cc');
  writeFileSync(badCc, '#!/bin/sh\n[ "$1" = --version ] && exit 0\necho "cc: internal error" >&2; exit 1\n', { mode: 0o755 });
  const bad = spawnSync(testNode, [join(work, 'scripts', 'build-native.mjs')], { env: { ...process.env, CC: badCc }, encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /building native\/jail\.c with .*bad-cc failed/);
});
