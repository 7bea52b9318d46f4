// `hermetic prove` for real, end to end: the trap, the real server with a conversion of every
// family, the hostile converter and `hermetic run` — as root and as an unprivileged user. Then
// the proof of the proof: with every jail layer switched off on purpose the same command must
// say LEAKED and name the leaks, and with a blind recorder it must refuse to call anything
// sealed ("void"). The trap nests inside the suite's offline namespace; every address it uses is
// a documentation address inside namespaces the command creates, every name ends in .invalid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath, isRoot, testNode } from '../helpers/paths.js';
import { helperBuilt } from '../../src/isolation/jail/index.js';
import { parsePcap } from '../../src/prove/pcap.js';
import { recorderBuilt, findProgram } from '../../src/prove/tools.js';
import type { ProveReport } from '../../src/prove/index.js';

/** An unprivileged uid with no passwd entry and no groups: nobody's account, nothing shared. */
const UNPRIVILEGED_UID = 64_123;
const ALL_LAYERS = 'namespace,mountns,landlock,seccomp,node-permission';

function unavailable(): string | null {
  if (process.platform !== 'linux') return 'network namespaces are Linux-only';
  if (!helperBuilt()) return 'native/build/hermetic-jail is not built (no C compiler at install)';
  if (!recorderBuilt()) return 'native/build/hermetic-trap is not built (no C compiler at install)';
  const missing = ['unshare', 'ip', 'nsenter', 'mount'].filter((p) => !findProgram(p));
  return missing.length ? `not installed: ${missing.join(', ')} (util-linux, iproute2)` : null;
}

/** Root of the machine, not root of a user namespace (where no other uid exists to switch to). */
function isRealRoot(): boolean {
  if (!isRoot) return false;
  try { return /^\s*0\s+0\s+4294967295\s*$/.test(readFileSync('/proc/self/uid_map', 'utf8')); } catch { return false; }
}

interface Run { code: number | null; stdout: string; stderr: string }

function prove(args: string[], opts: { uid?: number; env?: Record<string, string> } = {}): Promise<Run> {
  const home = mkdtempSync(join(tmpdir(), 'hermetic-prove-home-'));
  if (opts.uid !== undefined) { chownSync(home, opts.uid, opts.uid); chmodSync(home, 0o700); }
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8', ...opts.env };
  const argv = [cliPath, 'prove', '--data-dir', join(home, 'data'), ...args];
  const [cmd, ...rest] = opts.uid !== undefined
    ? ['setpriv', `--reuid=${opts.uid}`, `--regid=${opts.uid}`, '--clear-groups', '--', testNode, ...argv]
    : [testNode, ...argv];
  return new Promise((resolve) => {
    const child = spawn(cmd as string, rest, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('close', (code) => { rmSync(home, { recursive: true, force: true }); resolve({ code, stdout, stderr }); });
  });
}

function parse(r: Run): ProveReport {
  try { return JSON.parse(r.stdout) as ProveReport; } catch { throw new Error(`no JSON report (exit ${r.code}):\n${r.stdout}\n${r.stderr}`); }
}

/** Everything a sealed run must show, whoever runs it. */
function assertSealed(r: Run, report: ProveReport): void {
  const why = `${report.reason}\n${r.stderr.slice(-3000)}`;
  assert.equal(report.verdict, 'sealed', why);
  assert.equal(report.packetsLeft, 0);
  assert.deepEqual(report.leaks, []);
  assert.equal(r.code, 0, why);
  // The positive control: two contacts before and two after, each seen in the frames AND by the world.
  assert.equal(report.control.ok, true);
  assert.equal(report.control.probes.length, 4);
  for (const p of report.control.probes) assert.ok(p.seenFrames && p.seenByWorld, JSON.stringify(p));
  assert.ok(report.trap && report.trap.frames.control >= 4, 'the control\'s frames are on record');
  assert.equal(report.trap?.frames.kernelDrops, 0);
  // One conversion of every built-in family (and whatever else the server offers), all succeeded.
  const ids = report.conversions.map((c) => c.converter);
  for (const family of ['image', 'document', 'data', 'spreadsheet', 'pdf', 'ocr']) assert.ok(ids.includes(family), `${family} converted (${ids.join(', ')})`);
  for (const c of report.conversions) {
    // Only a system converter whose program is not installed may sit out; anything else the
    // server offers must be reached by the samples (src/prove/inputs.ts) or their results.
    if (c.skipped) assert.match(c.skipped, /^not available on this machine/, `${c.converter} was not exercised: ${c.skipped}`);
    else assert.ok(c.ok, `${c.converter} ${c.from}→${c.to}: ${c.error?.code} ${c.error?.message}`);
  }
  // The hostile converter tried five ways, through the server and under `hermetic run`: all stopped…
  assert.equal(report.fixture.length, 10, JSON.stringify(report.fixture));
  for (const f of report.fixture) {
    assert.ok(f.outcome === 'blocked' || (f.outcome === 'skipped' && f.attempt === 'curl'), `${f.path} ${f.attempt}: ${f.outcome} ${f.code} ${f.message}`);
  }
  // …and every try was reported, by a layer or (Node's permission model tells no one) by the program.
  for (const f of report.fixture.filter((x) => x.outcome === 'blocked')) {
    assert.ok(report.attempts.some((a) => a.path === f.path && a.attempt === f.attempt), `no report of ${f.path} ${f.attempt}: ${JSON.stringify(report.attempts)}`);
  }
  // Through the server the tripwire names the culprit of each try before any kernel layer is needed.
  for (const attempt of ['fetch', 'tcp', 'udp', 'dns', 'curl']) {
    assert.ok(report.attempts.some((a) => a.path === 'server' && a.attempt === attempt && a.layer === 'tripwire'), `tripwire report of the server's ${attempt}`);
  }
  // Under `hermetic run` (no tripwire), the child curl is stopped in the kernel and the supervisor says so.
  if (report.fixture.some((f) => f.path === 'run' && f.attempt === 'curl' && f.outcome === 'blocked')) {
    assert.ok(report.attempts.some((a) => a.path === 'run' && a.attempt === 'curl' && a.reportedBy === 'seccomp'), JSON.stringify(report.attempts.filter((a) => a.path === 'run')));
  }
  assert.deepEqual(report.faults, []);
  assert.deepEqual(report.warnings, []);
}

test('as root: sealed, every family converted, every attempt blocked and reported; --keep leaves a readable capture', { timeout: 240_000 }, async (t) => {
  const why = unavailable() ?? (isRoot ? null : 'the root run needs root (CI runs as root)');
  if (why) return t.skip(why);
  const r = await prove(['--json', '--keep']);
  const report = parse(r);
  try {
    assertSealed(r, report);
    assert.equal(report.trap?.mode, 'root');
    assert.match(report.trap?.catchAll ?? '', /every TCP port redirected/);
    // The evidence on disk: the pcap holds the control's frames; the world logged the control's question.
    assert.ok(report.keptIn && existsSync(join(report.keptIn, 'trap.pcap')));
    const frames = parsePcap(readFileSync(join(report.keptIn, 'trap.pcap')));
    assert.equal(frames.length, report.trap?.frames.total);
    assert.ok(frames.some((f) => f.inbound && f.dnsName === 'control.hermetic-prove.invalid'));
    assert.match(readFileSync(join(report.keptIn, 'world.jsonl'), 'utf8'), /"name":"control\.hermetic-prove\.invalid"/);
  } finally {
    if (report.keptIn) rmSync(report.keptIn, { recursive: true, force: true });
  }
});

test('as an unprivileged user (user namespaces, no passwd entry): sealed, every family converted', { timeout: 240_000 }, async (t) => {
  const why = unavailable() ?? (isRealRoot() ? null : 'switching to another uid needs real root (CI runs as root); run `hermetic prove` as yourself instead');
  if (why) return t.skip(why);
  if (!findProgram('setpriv')) return t.skip('setpriv (util-linux) not installed');
  const r = await prove(['--json'], { uid: UNPRIVILEGED_UID });
  const report = parse(r);
  assertSealed(r, report);
  assert.equal(report.trap?.mode, 'user-namespace');
});

test('weakened on purpose (every jail layer fault-injected off): LEAKED, exit 1, and the leaks are named', { timeout: 240_000 }, async (t) => {
  const why = unavailable();
  if (why) return t.skip(why);
  // iptables for the catch-all here, so the fallback rule set is proven to accept connections too.
  const r = await prove([], { env: { HERMETIC_JAIL_FAULT: ALL_LAYERS, HERMETIC_PROVE_CATCH_ALL: 'iptables' } });
  assert.equal(r.code, 1, r.stdout + r.stderr.slice(-2000));
  assert.match(r.stdout, /^hermetic prove: LEAKED — \d+ flow\(s\) reached the trap's internet/);
  assert.match(r.stdout, /every TCP port redirected to one listener \(iptables/);
  // The DNS question of the child curl under `hermetic run`, by name, and traced to its try.
  assert.match(r.stdout, /LEAK udp 192\.0\.2\.1:\d+ → 192\.0\.2\.2:53 \(\d+ frames?\): DNS curl-run\.hermetic-prove\.invalid — the fixture's curl attempt under `hermetic run`/);
  // The raw TCP connection, accepted by the catch-all (the fixture saw it connect).
  assert.match(r.stdout, /LEAK tcp 192\.0\.2\.1:\d+ → 192\.0\.2\.80:8202 \(\d+ frames\) — the fixture's tcp attempt under `hermetic run`/);
  assert.match(r.stdout, /hermetic run tcp\s+REACHED\s+CONNECTED/);
  // The server's converter was still held by the tripwire: no leak from there.
  assert.doesNotMatch(r.stdout, /as a converter in the server/);
  assert.match(r.stdout, /packets that reached the trap's internet: [1-9]\d*/);
  assert.match(r.stdout, /warning: HERMETIC_JAIL_FAULT=namespace,mountns,landlock,seccomp,node-permission: these layers are switched off ON PURPOSE/);
});

test('a blind recorder (test-only fault): the control goes unseen, so the verdict is void, never sealed', { timeout: 240_000 }, async (t) => {
  const why = unavailable();
  if (why) return t.skip(why);
  const r = await prove(['--json'], { env: { HERMETIC_PROVE_FAULT: 'blind-recorder' } });
  const report = parse(r);
  assert.equal(r.code, 1);
  assert.equal(report.verdict, 'void');
  assert.match(report.reason, /^the positive control was not seen by the trap: TCP to 192\.0\.2\.99:9 \(before\)/);
  assert.equal(report.packetsLeft, 0);
  assert.equal(report.control.ok, false);
  // The world's services saw each contact; only the frames are missing — that is the fault.
  for (const p of report.control.probes) { assert.equal(p.seenByWorld, true); assert.equal(p.seenFrames, false); }
  assert.match(report.warnings.join('\n'), /HERMETIC_PROVE_FAULT=blind-recorder: the trap is broken ON PURPOSE/);
});
