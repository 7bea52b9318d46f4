// Syntax: every generated nftables file passes `nft -c -f`, every iptables/ip6tables file passes
// `iptables-restore --test`, and every undo file is accepted after its rules are loaded. All of
// it inside a private network namespace (`unshare --net`), so the host's rules are never read
// or changed even when this file is run outside scripts/test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildSpec, generate, generateUndo, type FirewallTarget, type FirewallInput } from '../../src/firewall/index.js';
import { cliPath, testNode } from '../helpers/paths.js';
import { labUnavailable } from './firewall-lab.js';

const dir = mkdtempSync(join(tmpdir(), 'hermetic-fw-syntax-'));
const defaults = { port: 7878, nodePath: '/usr/bin/node', cliPath: '/opt/hermetic/cli.js', dataDir: '/var/lib/hermetic' };

/** Run a shell script in a fresh, private network namespace. */
function inPrivateNetns(script: string): { status: number | null; out: string } {
  const r = spawnSync('unshare', ['--net', 'sh', '-ec', script], { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}${r.error ? r.error.message : ''}` };
}

function write(name: string, content: string): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

function files(target: FirewallTarget, input: FirewallInput): { apply: string; undo: string } {
  const spec = buildSpec(target, input, defaults);
  const apply = generate(target, spec).files[0]?.content ?? '';
  const undo = generateUndo(target, spec)?.files[0]?.content ?? '';
  return { apply, undo };
}

/** An existing cgroup directory name: nft resolves `socket cgroupv2` paths under /sys/fs/cgroup at load time. */
function existingCgroup(): string | null {
  try {
    return readdirSync('/sys/fs/cgroup').find((n) => statSync(join('/sys/fs/cgroup', n)).isDirectory()) ?? null;
  } catch {
    return null;
  }
}

const VARIANTS: { label: string; input: FirewallInput }[] = [
  { label: 'uid, loopback port', input: { uid: 64010 } },
  { label: 'uid, loopback any', input: { uid: 64010, loopback: 'any' } },
  { label: 'uid, port 1', input: { uid: 64010, port: 1 } },
  { label: 'uid 4294967294, port 65535', input: { uid: 4294967294, port: 65535 } },
];

const nftMissing = labUnavailable(['nft']);
const iptMissing = labUnavailable(['iptables-restore', 'ip6tables-restore']);

test('nftables: every variant passes nft -c, loads, re-loads (idempotent) and undoes', { skip: nftMissing ?? false }, () => {
  for (const v of VARIANTS) {
    const { apply, undo } = files('nftables', v.input);
    const a = write('a.nft', apply);
    const u = write('u.nft', undo);
    const r = inPrivateNetns(`nft -c -f ${a}; nft -f ${a}; nft -f ${a}; test "$(nft list tables | grep -c 'inet hermetic')" = 1; nft -c -f ${u}; nft -f ${u}; ! nft list tables | grep -q hermetic`);
    assert.equal(r.status, 0, `${v.label}: ${r.out}`);
  }
});

test('nftables: the cgroup v2 variant passes nft -c', { skip: nftMissing ?? (existingCgroup() ? false : 'no directory under /sys/fs/cgroup to name') }, () => {
  const cg = existingCgroup() as string;
  const { apply } = files('nftables', { uid: 64010, cgroup: cg });
  assert.match(apply, new RegExp(`socket cgroupv2 level 1 "${cg}" counter drop`));
  const r = inPrivateNetns(`nft -c -f ${write('cg.nft', apply)}`);
  assert.equal(r.status, 0, r.out);
});

test('iptables and ip6tables: every variant passes --test, loads and undoes', { skip: iptMissing ?? false }, () => {
  for (const v of VARIANTS) {
    for (const [target, tool] of [['iptables', 'iptables'], ['ip6tables', 'ip6tables']] as const) {
      const { apply, undo } = files(target, v.input);
      const a = write('a.rules', apply);
      const u = write('u.rules', undo);
      const r = inPrivateNetns(`${tool}-restore --test --noflush ${a}; ${tool}-restore --noflush ${a}; ${tool} -S HERMETIC-OUT >/dev/null; ${tool}-restore --test --noflush ${u}; ${tool}-restore --noflush ${u}; ! ${tool} -S HERMETIC-OUT 2>/dev/null`);
      assert.equal(r.status, 0, `${target} ${v.label}: ${r.out}`);
    }
  }
});

test('the CLI writes the same files the library generates, and they pass the syntax checks', { skip: nftMissing ?? iptMissing ?? false }, () => {
  const out = join(dir, 'cli');
  for (const target of ['nftables', 'iptables', 'ip6tables']) {
    const r = spawnSync(testNode, [cliPath, 'firewall', target, '--uid', '64010', '--port', '7878', '--out', out, '--force'],
      { encoding: 'utf8', env: { ...process.env, HERMETIC_DATA_DIR: dir } });
    assert.equal(r.status, 0, r.stderr);
  }
  assert.equal(readFileSync(join(out, 'hermetic.nft'), 'utf8'), files('nftables', { uid: 64010 }).apply);
  assert.equal(readFileSync(join(out, 'hermetic.rules.v4'), 'utf8'), files('iptables', { uid: 64010 }).apply);
  const r = inPrivateNetns(`nft -c -f ${join(out, 'hermetic.nft')}; iptables-restore --test --noflush ${join(out, 'hermetic.rules.v4')}; ip6tables-restore --test --noflush ${join(out, 'hermetic.rules.v6')}`);
  assert.equal(r.status, 0, r.out);
});

const legacyMissing = labUnavailable(['iptables-legacy-restore', 'ip6tables-legacy-restore']);

test('the check also sees rules loaded with the legacy iptables backend', { skip: legacyMissing ?? nftMissing ?? false }, () => {
  const v4 = write('legacy.v4', files('iptables', { uid: 64010 }).apply);
  const v6 = write('legacy.v6', files('ip6tables', { uid: 64010 }).apply);
  const check = `import(${JSON.stringify(join(cliPath, '..', '..', 'firewall', 'index.js'))}).then((m) => m.checkLoadedRules({ uid: 64010, cgroup: null })).then((r) => console.log(r.status))`;
  const r = inPrivateNetns(`${testNode} -e '${check}'; iptables-legacy-restore --noflush ${v4}; ${testNode} -e '${check}'; ip6tables-legacy-restore --noflush ${v6}; ${testNode} -e '${check}'`);
  assert.equal(r.status, 0, r.out);
  // Nothing, then IPv4 only (still not in force: IPv6 open), then both.
  assert.deepEqual(r.out.trim().split('\n'), ['not-loaded', 'not-loaded', 'loaded']);
});
