// The red team: every known way out, tried for real inside the jail, on every combination of
// the kernel layers this machine supports — so a regression in one layer cannot hide behind
// another. Each case asserts the exact errno/code AND its canary's hit count (zero when a
// layer must stop it; above zero when no layer is in force — the positive control that
// proves the attempt is real). Everything runs inside a network + mount namespace this test
// creates (test/fixtures/jail/lab.mjs), where the "external" addresses are canaries.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturesDir, isRoot, repoRoot, testNode } from '../helpers/paths.js';
import { helperBuilt, probe } from '../../src/isolation/jail/index.js';
import { CASES, expected, type BypassLayer, type CaseResult, type Verdict } from './expectations.js';

const TEST_USER = 'hermetic-test';

interface ComboOutput {
  disabled: string[];
  status: number;
  layers: Record<string, { inForce: boolean; reason: string }>;
  results: Record<string, CaseResult> | null;
  hits: Record<string, number>;
  attempts: { syscall: string; family?: string }[];
  stderr: string;
}

const KERNEL: BypassLayer[] = ['namespace', 'landlock', 'seccomp'];
/** Every on/off combination of namespace (with its mount namespace), Landlock and seccomp. */
function combos(nodePermission: boolean): string[][] {
  const out: string[][] = [];
  for (let mask = 0; mask < 8; mask++) {
    const disabled = ['node-permission'];
    KERNEL.forEach((l, i) => { if (!(mask & (1 << i))) disabled.push(...(l === 'namespace' ? ['namespace', 'mountns'] : [l])); });
    out.push(disabled);
  }
  // The runtime seat belt alone (Node >= 25): JavaScript APIs must stop at ERR_ACCESS_DENIED.
  if (nodePermission) out.push(['namespace', 'mountns', 'landlock', 'seccomp']);
  return out;
}

function ensureTestUser(): { uid: number; gid: number } {
  let r = spawnSync('id', ['-u', TEST_USER], { encoding: 'utf8' });
  if (r.status !== 0) {
    const add = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', TEST_USER], { encoding: 'utf8' });
    assert.equal(add.status, 0, `useradd ${TEST_USER}: ${add.stderr}`);
    r = spawnSync('id', ['-u', TEST_USER], { encoding: 'utf8' });
  }
  const uid = Number(r.stdout.trim());
  const gid = Number(spawnSync('id', ['-g', TEST_USER], { encoding: 'utf8' }).stdout.trim());
  return { uid, gid };
}

function runLab(conf: Record<string, unknown>, tmp: string): Promise<{ combos: ComboOutput[] }> {
  const confPath = join(tmp, 'lab.json');
  writeFileSync(confPath, JSON.stringify(conf));
  // Our own namespaces: as root a plain net+mount namespace, otherwise a user namespace too.
  const unshare = isRoot ? ['--net', '--mount'] : ['--net', '--mount', '--map-root-user'];
  return new Promise((resolve, reject) => {
    const p = spawn('unshare', [...unshare, '--', testNode, join(fixturesDir, 'jail', 'lab.mjs'), confPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = ''; let err = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) { reject(new Error(`lab exited ${code}: ${err.slice(-2000)}`)); return; }
      try { resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as { combos: ComboOutput[] }); } catch (e) { reject(new Error(`lab output unreadable: ${(e as Error).message}\n${out.slice(-2000)}\n${err.slice(-2000)}`)); }
    });
  });
}

function assertCombo(t: TestContext, c: ComboOutput): void {
  assert.equal(c.status, 0, `hermetic run exited ${c.status}: ${c.stderr}`);
  assert.ok(c.results, `no results from the attempts script: ${c.stderr}`);
  const inForce = new Set<BypassLayer>(Object.entries(c.layers).filter(([, s]) => s.inForce).map(([n]) => n as BypassLayer));
  // The layers we asked for are really the ones in force (nothing claimed that is not there).
  for (const l of ['namespace', 'mountns', 'landlock', 'seccomp', 'node-permission'] as const) {
    assert.equal(inForce.has(l), !c.disabled.includes(l), `${l}: expected ${c.disabled.includes(l) ? 'off' : 'in force'}, got ${JSON.stringify(c.layers[l])}`);
  }
  for (const [name, spec] of Object.entries(CASES)) {
    const r: CaseResult | undefined = c.results[name];
    assert.ok(r, `case ${name} missing from the results`);
    if (r.status === 'skipped') { t.diagnostic(`${name}: skipped — ${r.detail}`); continue; }
    const v: Verdict = expected(spec, inForce);
    const hits: number | undefined = spec.canary ? (c.hits[spec.canary] ?? 0) : undefined;
    const ctx: string = `${name} [in force: ${[...inForce].join(',') || 'none'}] -> ${JSON.stringify(r)} hits=${hits}`;
    if (v.kind === 'blocked') {
      if (v.codes) {
        assert.equal(r.status, 'blocked', `${ctx}: must be blocked by ${v.by}`);
        assert.ok(v.codes.includes(r.code ?? ''), `${ctx}: ${v.by} must answer ${v.codes.join('|')}`);
      }
      if (hits !== undefined) assert.equal(hits, 0, `${ctx}: the canary saw it although ${v.by} is in force`);
    } else if (v.kind === 'open') {
      if (hits !== undefined) assert.ok(hits > 0, `${ctx}: positive control — with no layer against it, the canary must see it`);
      else if (spec.throughWhenOpen) assert.equal(r.status, 'through', `${ctx}: must succeed when no layer covers it`);
    } else {
      t.diagnostic(`${name}: not asserted (${v.why}); got ${r.status} ${r.code ?? ''} hits=${hits}`);
    }
  }
  if (inForce.has('seccomp')) {
    // The supervisor reported the refused socket families (the monitor's witness).
    const fams = new Set(c.attempts.map((a) => `${a.syscall}:${a.family ?? ''}`));
    for (const f of ['socket:AF_INET', 'socket:AF_INET6', 'connect:AF_UNIX', 'socket:AF_PACKET', 'socket:AF_NETLINK']) {
      assert.ok(fams.has(f), `supervisor did not report ${f}; saw ${[...fams].join(' ')}`);
    }
    // io_uring_setup is refused in-kernel (ENOSYS, asserted above) without a report: Node >= 24
    // probes it on every start, so a report would be noise, not a network attempt.
    assert.ok(!fams.has('io_uring_setup:'), 'io_uring_setup must be refused silently');
  } else {
    assert.equal(c.attempts.length, 0, 'no seccomp layer, yet attempts were reported');
  }
}

async function suite(t: TestContext, runAs?: { uid: number; gid: number }): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'hermetic-bypass-'));
  chmodSync(tmp, 0o755);
  try {
    const nodePerm = probe({ nodePath: testNode }).layers['node-permission'].available;
    const lab = await runLab({ repoRoot, node: testNode, tmp, combos: combos(nodePerm), runAs }, tmp);
    for (const c of lab.combos) {
      const on = ['namespace', 'landlock', 'seccomp', 'node-permission'].filter((l) => !c.disabled.includes(l));
      await t.test(`layers in force: ${on.join(' + ') || 'none (positive control)'}`, (st) => assertCombo(st, c));
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function preconditions(t: TestContext): boolean {
  if (process.platform !== 'linux') { t.skip('the kernel jail is Linux-only'); return false; }
  // A missing helper is a failure, not a skip: CI builds it, and a green suite without it would lie.
  assert.ok(helperBuilt(), 'native/build/hermetic-jail is not built (npm run build:native)');
  const u = spawnSync('unshare', isRoot ? ['--net', '--mount', 'true'] : ['--net', '--mount', '--map-root-user', 'true']);
  if (u.error || u.status !== 0) { t.skip(`cannot create the lab's own namespaces here: ${u.error?.message ?? String(u.stderr)}`); return false; }
  return true;
}

test('bypass suite, as the invoking user', { timeout: 300_000 }, async (t) => {
  if (!preconditions(t)) return;
  await suite(t);
});

test('bypass suite, as an ordinary unprivileged user', { timeout: 300_000 }, async (t) => {
  if (!preconditions(t)) return;
  if (!isRoot) { t.skip('not root: cannot create and switch to an ordinary test user (the invoking-user run above already is unprivileged)'); return; }
  const user = ensureTestUser();
  const can = spawnSync(testNode, ['-e', '0'], { uid: user.uid, gid: user.gid });
  if (can.status !== 0) { t.skip(`${testNode} is not executable by ${TEST_USER} (${can.error?.message ?? String(can.stderr).trim()}); this Node's unprivileged run needs it installed outside /root`); return; }
  await suite(t, user);
});
