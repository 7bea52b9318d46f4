#!/usr/bin/env node
// `npm test`: lint, type-check + build, then every test file under dist/test, run with Node's
// test runner inside a network namespace that has nothing but `lo` (when the machine allows
// one), so that "works with no network" is exercised on every run and no test can leak a
// packet off the machine even if a guard has a hole.
//
//   node scripts/test.mjs [--no-lint] [--node PATH] [--no-netns] [PATH_PREFIX...]
//
// PATH_PREFIX filters test files by their path under test/ (e.g. `unit/isolation bypass`).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { CI_SKIP_ALLOWLIST } from '../test/ci-skips.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name) => { const i = args.indexOf(name); if (i >= 0) { args.splice(i, 1); return true; } return false; };
const opt = (name) => { const i = args.indexOf(name); if (i >= 0) { const v = args[i + 1]; args.splice(i, 2); return v; } return undefined; };
const noLint = flag('--no-lint');
const noNetns = flag('--no-netns') || process.env.HERMETIC_TEST_IN_NETNS === '1';
const nodeBin = opt('--node') ?? process.execPath;
const prefixes = args;

function run(cmd, argv, extra = {}) {
  const r = spawnSync(cmd, argv, { stdio: 'inherit', cwd: root, ...extra });
  if (r.error) { console.error(`${cmd}: ${r.error.message}`); process.exit(1); }
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const bin = (n) => join(root, 'node_modules', '.bin', n);
if (!noLint) {
  console.log('» lint (eslint)');
  run(bin('eslint'), ['.']);
}
console.log('» type-check + build (tsc, strict)');
run(bin('tsc'), ['-p', 'tsconfig.json']);
// The browser tests (test/e2e): the same build, plus the DOM's types their page-side code needs.
run(bin('tsc'), ['-p', 'test/e2e/tsconfig.json']);
// The bundled tripwire and worker (scripts/bundle.mjs): what a worker runs, so what the tests test.
run(process.execPath, [join(root, 'scripts', 'bundle.mjs')]);

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'fixtures') continue;
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}
const testRoot = join(root, 'dist', 'test');
let files = walk(testRoot).sort();
if (prefixes.length) files = files.filter((f) => prefixes.some((p) => relative(testRoot, f).startsWith(p)));
if (!files.length) { console.error('no test files matched'); process.exit(1); }

// Two reporters: spec for people, TAP to a file so every skip can be listed and policed below.
const tapDir = mkdtempSync(join(tmpdir(), 'hermetic-test-report-'));
const tapFile = join(tapDir, 'report.tap');
const nodeArgs = ['--test', '--test-timeout=180000',
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=tap', `--test-reporter-destination=${tapFile}`, ...files];

/**
 * Every skipped test, from the TAP report. Outside CI they are listed so a skip is never silent;
 * under CI=true each must match test/ci-skips.mjs or the run fails.
 */
function policeSkips(status) {
  let tap = '';
  try { tap = readFileSync(tapFile, 'utf8'); } catch { /* the runner died before writing: status says so */ }
  rmSync(tapDir, { recursive: true, force: true });
  const skips = [];
  for (const line of tap.split('\n')) {
    const m = /^\s*ok \d+ - (.*?) # SKIP ?(.*)$/.exec(line);
    if (m) skips.push({ test: m[1].replace(/\\#/g, '#'), reason: m[2] });
  }
  const major = Number(spawnSync(nodeBin, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout.trim());
  const allowed = (s) => CI_SKIP_ALLOWLIST.some((a) => a.test.test(s.test) && a.reason.test(s.reason) && (!a.when || a.when(major)));
  const ci = process.env.CI === 'true' || process.env.CI === '1';
  const refused = ci ? skips.filter((s) => !allowed(s)) : [];
  if (skips.length) {
    console.log(`\n» ${skips.length} test(s) skipped${ci ? ` (${skips.length - refused.length} on the CI allow-list)` : ''}:`);
    for (const s of skips) console.log(`  - ${s.test}: ${s.reason || '(no reason given)'}${ci && !allowed(s) ? '   <-- NOT ALLOWED IN CI' : ''}`);
  }
  if (refused.length) {
    console.log(`\n» FAIL: CI=true and ${refused.length} skip(s) are not on test/ci-skips.mjs; CI has root and installs its tools, so everything must run.`);
    return status || 1;
  }
  return status;
}
const env = { ...process.env, HERMETIC_TEST_NODE: nodeBin };
// Proxy variables must not steer any test anywhere.
for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'all_proxy', 'NO_PROXY', 'no_proxy']) delete env[k];

if (!noNetns && process.platform === 'linux') {
  // Real root: a plain new netns (tests may still create their own with `ip netns`).
  // Anyone else: a user namespace mapping us to root in it, plus the netns.
  const isRoot = process.getuid?.() === 0;
  const unshareArgs = isRoot ? ['--net'] : ['--net', '--map-root-user'];
  const probe = spawnSync('unshare', [...unshareArgs, 'true'], { stdio: 'pipe' });
  if (!probe.error && probe.status === 0) {
    console.log(`» tests (${files.length} files) inside a fresh network namespace: only lo, no route anywhere`);
    const script = 'ip link set lo up 2>/dev/null || true; exec "$@"';
    const r = spawnSync('unshare', [...unshareArgs, '--', 'sh', '-c', script, 'sh', nodeBin, ...nodeArgs],
      { stdio: 'inherit', cwd: root, env: { ...env, HERMETIC_TEST_IN_NETNS: '1' } });
    process.exit(policeSkips(r.status ?? 1));
  }
  const why = probe.error ? probe.error.message : String(probe.stderr).trim();
  console.log(`» NOTE: could not create an offline network namespace (${why}); tests run in the host namespace`);
}
console.log(`» tests (${files.length} files)`);
const r = spawnSync(nodeBin, nodeArgs, { stdio: 'inherit', cwd: root, env });
process.exit(policeSkips(r.status ?? 1));
