// Paranoid mode end to end: the launcher binds loopback, the server runs under the jail with the
// socket inherited; the host reaches it over loopback, and from inside it a connect is refused
// by the kernel (EPERM) and reported by the supervisor. Start-up failures exit 3 and name the layer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { cliPath, testNode } from '../helpers/paths.js';
import { helperBuilt, probe } from '../../src/isolation/jail/index.js';
import { paranoidUnavailable } from '../helpers/paranoid.js';
import type { CheckResult } from '../../src/isolation/verify/index.js';

const canRun = paranoidUnavailable;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'hermetic-paranoid-'));
}

const baseEnv = () => {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('HERMETIC_') && k !== 'HERMETIC_TEST_IN_NETNS' && k !== 'HERMETIC_TEST_NODE') delete env[k];
  return env;
};

test('paranoid: served from the jail over an inherited socket; a connect from inside is refused by the kernel and reported', async (t) => {
  const why = canRun();
  if (why) return t.skip(why);
  const dataDir = tempDir();
  const child = spawn(testNode, [cliPath, 'serve', '--strictness', 'paranoid', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn'], { env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  t.after(async () => { if (child.exitCode === null) { child.kill('SIGKILL'); await exited; } rmSync(dataDir, { recursive: true, force: true }); });

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL within 30 s\nstdout: ${stdout}\nstderr: ${stderr}`)), 30_000);
    const look = () => { const m = /serving on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout); if (m?.[1]) { clearTimeout(timer); resolve(m[1]); } };
    child.stdout.on('data', look);
    void exited.then((code) => { clearTimeout(timer); reject(new Error(`exited ${code} before serving\n${stderr}`)); });
  });
  // Positive control from the host: the jailed server accepts loopback connections.
  const health = await (await fetch(`${url}api/health`)).json() as { isolation: { level: string; strictness: string; verified: boolean; blockedAttempts: number } };
  assert.equal(health.isolation.strictness, 'paranoid');
  assert.equal(health.isolation.level, 'kernel-enforced');
  assert.equal(health.isolation.verified, true);

  const token = readFileSync(join(dataDir, 'token'), 'utf8').trim();
  const res = await fetch(`${url}api/security/verify`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  const body = await res.json() as { report: { checks: CheckResult[]; verdict: { satisfied: boolean } }; isolation: { blockedAttempts: number } };
  const self = body.report.checks.find((c) => c.id === 'process.self');
  assert.equal(self?.status, 'pass', self?.detail);
  assert.equal(self?.data?.seccomp, 'filter');
  assert.equal(self?.data?.noNewPrivs, true);
  // From inside the server's jail, a TCP connect to the very port the host just reached: EPERM.
  assert.equal((self?.data?.kernelProbe as { outcome: string }).outcome, 'EPERM');
  const canary = body.report.checks.find((c) => c.id === 'jail.canary');
  assert.equal(canary?.status, 'pass', canary?.detail);
  assert.equal((canary?.data?.outcomes as { loopback: { tcp: string } }).loopback.tcp, 'EPERM');
  const bind = body.report.checks.find((c) => c.id === 'server.bind');
  assert.equal(bind?.status, 'pass', bind?.detail);
  assert.equal(body.report.verdict.satisfied, true);
  // Reported: the supervisor told the launcher about every refused attempt, naming the program
  // and (with the namespace layer, where IP sockets may exist) where it was going …
  const node = `${basename(realpathSync(testNode))} \\(pid \\d+, [^)]+\\)`;
  assert.match(stderr, probe().layers.namespace.available
    ? new RegExp(`the kernel refused, in the jailed server: ${node} tried to connect to 127\\.0\\.0\\.1:\\d+ — blocked \\(EPERM\\)`)
    : new RegExp(`the kernel refused, in the jailed server: ${node} tried to open a AF_INET SOCK_STREAM socket — blocked \\(EPERM\\)`));
  // … and verification's own attempts are not counted as violations.
  assert.equal(body.isolation.blockedAttempts, 0, `verification's own attempts were counted; launcher said:\n${stderr}`);

  // One SIGTERM reaches the server once: its graceful shutdown exits 0. (The supervisor used to
  // deliver it twice — through the pidfd and again on its walk of the tree — and a server that
  // reads a second SIGTERM as "stop now" exited 1.)
  child.kill('SIGTERM');
  assert.equal(await exited, 0, `launcher stderr:\n${stderr}`);
  assert.doesNotMatch(stderr, /SIGTERM again/);
});

test('paranoid start-up without seccomp: exit 3, the missing layer named with how to get it, nothing served', (t) => {
  if (process.platform !== 'linux') return t.skip('paranoid mode needs Linux');
  if (!helperBuilt()) return t.skip('native/build/hermetic-jail is not built (no C compiler at install)');
  const dataDir = tempDir();
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const r = spawnSync(testNode, [cliPath, 'serve', '--strictness', 'paranoid', '--port', '0', '--data-dir', dataDir], { env: { ...baseEnv(), HERMETIC_JAIL_FAULT: 'seccomp' }, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stderr, /paranoid mode refused: the server cannot be put under the seccomp jail — seccomp: fault injected/);
  assert.match(r.stderr, /How to get it:/);
  assert.doesNotMatch(r.stdout, /serving on/);
  assert.equal(existsSync(join(dataDir, 'server.json')), false);
});

test('a "paranoid" server that is not really jailed refuses to serve (exit 3, process.self named)', (t) => {
  if (process.platform !== 'linux') return t.skip('reads Linux /proc');
  const dataDir = tempDir();
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  // Pretend to be the launcher's child without the launcher: the kernel says otherwise.
  const r = spawnSync(testNode, [cliPath, 'serve', '--strictness', 'paranoid', '--port', '0', '--data-dir', dataDir, '--log-level', 'silent'], { env: { ...baseEnv(), HERMETIC_PARANOID_CHILD: '1' }, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 3, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /paranoid mode refused: .*process\.self: fail — paranoid mode, but this server is not under the jail/);
  assert.doesNotMatch(r.stdout, /serving on/);
});
