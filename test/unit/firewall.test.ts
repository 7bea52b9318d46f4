// Firewall generators: input validation (clear errors, exit 2), the content of the rules, the
// parsers of loaded rule sets, and the loaded-rules check's `unknown` paths (no tool, no
// permission) — which must never turn into "loaded" or "not loaded".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildSpec, checkLoadedRules, generate, generateUndo, parseIptablesSave, parseNftRuleset, parseTarget, FirewallInputError,
  type FirewallInput, type FirewallTarget,
} from '../../src/firewall/index.js';
import { cliPath, isRoot, repoRoot, testNode } from '../helpers/paths.js';

const users: Record<string, number> = { hermetic: 999, alice: 1000 };
const defaults = {
  port: 7878, nodePath: '/usr/bin/node', cliPath: '/opt/hermetic/dist/src/cli/main.js', dataDir: '/var/lib/hermetic',
  lookup: (n: string) => users[n] ?? null,
  reverse: (u: number) => Object.keys(users).find((k) => users[k] === u) ?? null,
};
const spec = (target: FirewallTarget, input: FirewallInput) => buildSpec(target, input, defaults);
const text = (target: FirewallTarget, input: FirewallInput) => generate(target, spec(target, input)).files.map((f) => f.content).join('\n');
const dataDir = mkdtempSync(join(tmpdir(), 'hermetic-fw-unit-'));

function rejects(target: FirewallTarget, input: FirewallInput, message: RegExp): void {
  assert.throws(() => spec(target, input), (e: unknown) => e instanceof FirewallInputError && e.code === 'FIREWALL_INPUT_INVALID' && message.test(e.message));
}

test('targets: unknown and missing targets are refused with the allowed list', () => {
  assert.equal(parseTarget('nftables'), 'nftables');
  assert.throws(() => parseTarget('ufw'), /unknown target 'ufw'; allowed: nftables \| iptables/);
  assert.throws(() => parseTarget(undefined), /name a target/);
});

test('identity: unknown user, bad names, both flags, no flag and root are refused', () => {
  rejects('nftables', { user: 'mallory' }, /unknown user 'mallory'.*useradd/);
  rejects('nftables', { user: 'bad name' }, /not a valid user name/);
  rejects('nftables', { user: 'hermetic', uid: 999 }, /either --user NAME or --uid N/);
  rejects('nftables', {}, /say whose traffic to block/);
  rejects('pf', { uid: 0 }, /refusing root \(uid 0\)/);
  rejects('iptables', { uid: '-1' }, /not a uid/);
  rejects('iptables', { uid: '4294967295' }, /not a uid/);
  assert.deepEqual(spec('nftables', { user: 'hermetic' }).identity, { uid: 999, user: 'hermetic' });
  assert.deepEqual(spec('nftables', { uid: 1000 }).identity, { uid: 1000, user: 'alice' });
  assert.deepEqual(spec('nftables', { uid: 4242 }).identity, { uid: 4242 });
  rejects('systemd', { uid: 4242 }, /has no user name; systemd needs a named user/);
});

test('options: port, loopback, cgroup and program paths are validated', () => {
  rejects('nftables', { uid: 999, port: 0 }, /--port: '0' is not a port/);
  rejects('nftables', { uid: 999, port: '70000' }, /not a port/);
  rejects('nftables', { uid: 999, loopback: 'all' }, /allowed: port \| any/);
  rejects('nftables', { uid: 999, cgroup: '../etc' }, /not a cgroup v2 path/);
  rejects('iptables', { uid: 999, cgroup: 'system.slice/hermetic.service' }, /only for the nftables target/);
  rejects('systemd', { programs: ['node'] }, /'node' is not an absolute path/);
  rejects('windows', { programs: ['node.exe'] }, /not an absolute path \(e\.g\. C:/);
  rejects('windows', { programs: ['/usr/bin/node'] }, /not an absolute path/);
  rejects('windows', { programs: ['C:\\a"b\\node.exe'] }, /contains a quote/);
  assert.equal(spec('nftables', { uid: 999, cgroup: '/sys/fs/cgroup/system.slice/hermetic.service' }).cgroup, 'system.slice/hermetic.service');
  assert.deepEqual(spec('windows', { programs: ['C:\\node\\node.exe', '\\\\srv\\share\\tool.exe'] }).programs, ['C:\\node\\node.exe', '\\\\srv\\share\\tool.exe']);
});

test('nftables: own inet table, uid match, loopback only for the API port, counter + rate-limited log + drop', () => {
  const t = text('nftables', { user: 'hermetic', port: 8123 });
  assert.match(t, /^table inet hermetic\ndelete table inet hermetic\n/m);
  assert.match(t, /type filter hook output priority filter; policy accept;/);
  assert.match(t, /meta skuid 999 oifname "lo" tcp sport 8123 accept/);
  assert.match(t, /meta skuid 999 oifname "lo" tcp dport 8123 accept/);
  assert.match(t, /meta skuid 999 limit rate 10\/minute burst 5 packets log prefix "hermetic-drop: "/);
  assert.match(t, /meta skuid 999 counter drop/);
  assert.doesNotMatch(t, /oifname "lo" accept/);
  const any = text('nftables', { uid: 999, loopback: 'any' });
  assert.match(any, /meta skuid 999 oifname "lo" accept/);
  assert.doesNotMatch(any, /sport 7878/);
  const cg = text('nftables', { uid: 999, cgroup: 'system.slice/hermetic.service' });
  assert.match(cg, /socket cgroupv2 level 2 "system.slice\/hermetic.service" counter drop/);
  assert.equal(generateUndo('nftables', spec('nftables', { uid: 999 }))?.files[0]?.content.split('\n').filter((l) => l && !l.startsWith('#')).join('\n'), 'delete table inet hermetic');
});

test('iptables: owner match into HERMETIC-OUT; the undo file deletes exactly the jump the apply file adds', () => {
  for (const target of ['iptables', 'ip6tables'] as const) {
    const s = spec(target, { uid: 999 });
    const apply = generate(target, s).files[0]?.content ?? '';
    const undo = generateUndo(target, s)?.files[0]?.content ?? '';
    const jump = /^-A (OUTPUT .*)$/m.exec(apply)?.[1];
    assert.ok(jump && jump.includes('-m owner --uid-owner 999'), apply);
    assert.ok(undo.includes(`-D ${jump}`), undo);
    assert.match(apply, /^-A HERMETIC-OUT -o lo -p tcp -m tcp --sport 7878 .* -j RETURN$/m);
    assert.match(apply, /^-A HERMETIC-OUT .* -j LOG --log-prefix "hermetic-drop: " --log-uid$/m);
    assert.match(apply, /^-A HERMETIC-OUT -m comment --comment "hermetic: drop" -j DROP$/m);
    assert.match(apply, /^COMMIT$/m);
  }
  assert.equal(generateUndo('pf', spec('pf', { uid: 999 })), null);
});

test('parsers: the nft JSON and iptables-save text of loaded rules are read back', () => {
  const nft = JSON.stringify({ nftables: [
    { table: { family: 'inet', name: 'hermetic', handle: 1 } },
    { rule: { family: 'inet', table: 'hermetic', chain: 'output', expr: [{ match: { op: '==', left: { meta: { key: 'skuid' } }, right: 999 } }, { match: { op: '==', left: { meta: { key: 'oifname' } }, right: 'lo' } }, { accept: null }] } },
    { rule: { family: 'inet', table: 'hermetic', chain: 'output', expr: [{ match: { op: '==', left: { meta: { key: 'skuid' } }, right: 999 } }, { counter: { packets: 3, bytes: 180 } }, { drop: null }] } },
    { rule: { family: 'inet', table: 'other', chain: 'output', expr: [{ match: { op: '==', left: { meta: { key: 'skuid' } }, right: 5 } }, { drop: null }] } },
  ] });
  assert.deepEqual(parseNftRuleset(nft), { source: 'nftables', families: ['ipv4', 'ipv6'], uids: [999], cgroups: [], dropped: { packets: 3, bytes: 180 } });
  assert.equal(parseNftRuleset(JSON.stringify({ nftables: [{ table: { family: 'ip', name: 'hermetic' } }] })), null);
  const save = [
    '*nat', ':OUTPUT ACCEPT [0:0]', '-A OUTPUT -m owner --uid-owner 5 -j HERMETIC-OUT', 'COMMIT',
    '*filter', ':HERMETIC-OUT - [0:0]',
    '[12:720] -A OUTPUT -m owner --uid-owner 999 -m comment --comment "hermetic: uid 999" -j HERMETIC-OUT',
    '[0:0] -A HERMETIC-OUT -o lo -p tcp -m tcp --sport 7878 -j RETURN',
    '[7:420] -A HERMETIC-OUT -m comment --comment "hermetic: drop" -j DROP', 'COMMIT',
  ].join('\n');
  assert.deepEqual(parseIptablesSave(save, 'iptables'), { source: 'iptables', families: ['ipv4'], uids: [999], cgroups: [], dropped: { packets: 7, bytes: 420 } });
  // A chain that does not drop, or that nothing jumps to, is not "Hermetic's rules".
  assert.equal(parseIptablesSave('*filter\n-A OUTPUT -m owner --uid-owner 999 -j HERMETIC-OUT\n-A HERMETIC-OUT -j RETURN\nCOMMIT\n', 'iptables'), null);
  assert.equal(parseIptablesSave('*filter\n-A HERMETIC-OUT -j DROP\nCOMMIT\n', 'ip6tables'), null);
});

test('check: with no firewall tool installed the answer is unknown, with the reason', async () => {
  const r = await checkLoadedRules({ uid: 999, cgroup: null, env: { PATH: join(dataDir, 'no-tools-here') } });
  assert.equal(r.status, 'unknown');
  assert.equal(r.loaded, null);
  assert.match(r.reason, /nft is not installed/);
  assert.match(r.reason, /iptables-save is not installed/);
});

const checkScript = `import(${JSON.stringify(join(repoRoot, 'dist/src/firewall/index.js'))}).then((m) => m.checkLoadedRules({ uid: 64010, cgroup: null })).then((r) => console.log(JSON.stringify(r)))`;

test('check: without CAP_NET_ADMIN the answer is unknown (never not-loaded), naming the permission', { skip: isRoot ? false : 'needs root to drop to another uid; CI runs as root' }, (t) => {
  const nft = spawnSync('nft', ['--version']);
  if (nft.error) { t.skip('nft is not installed'); return; }
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', testNode, '-e', checkScript], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(r.stdout) as { status: string; reason: string; loaded: unknown };
  assert.equal(res.status, 'unknown', res.reason);
  assert.equal(res.loaded, null);
  assert.match(res.reason, /CAP_NET_ADMIN/);
});

test('check: as root in an empty private netns the answer is not-loaded (positive control for the above)', { skip: isRoot ? false : 'needs root; CI runs as root' }, (t) => {
  const nft = spawnSync('nft', ['--version']);
  if (nft.error) { t.skip('nft is not installed'); return; }
  const r = spawnSync('unshare', ['--net', testNode, '-e', checkScript], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(r.stdout) as { status: string; reason: string };
  assert.equal(res.status, 'not-loaded', res.reason);
  assert.match(res.reason, /no loaded rule drops IPv4 and IPv6 traffic of uid 64010/);
});

function cli(args: string[]) {
  return spawnSync(testNode, [cliPath, 'firewall', ...args], { encoding: 'utf8', env: { ...process.env, HERMETIC_DATA_DIR: dataDir } });
}

test('CLI: bad input exits 2 with a clear message; good input prints pipe-ready rules', () => {
  const cases: [string[], RegExp][] = [
    [['ufw', '--uid', '999'], /unknown target 'ufw'/],
    [['nftables', '--user', 'no-such-user-hermetic-test'], /unknown user 'no-such-user-hermetic-test'/],
    [['nftables', '--uid', '0'], /refusing root \(uid 0\)/],
    [['nftables'], /say whose traffic to block/],
    [['systemd', '--program', 'bin/node'], /'bin\/node' is not an absolute path/],
    [['pf', '--uid', '999', '--undo'], /pf has no removal file/],
    [['nftables', 'iptables', '--uid', '999'], /one target at a time/],
    [['nftables', '--uid', '999', '--bogus'], /Unknown option '--bogus'/],
    [['nftables', '--check'], /--check takes no target/],
  ];
  for (const [args, message] of cases) {
    const r = cli(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '');
  }
  const ok = cli(['nftables', '--uid', '64010', '--port', '9000']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /^#!\/usr\/sbin\/nft -f\n/);
  assert.match(ok.stdout, /meta skuid 64010 oifname "lo" tcp sport 9000 accept/);
  const multi = cli(['systemd', '--program', '/usr/bin/node']);
  assert.equal(multi.status, 0, multi.stderr);
  assert.match(multi.stdout, /^# ==> hermetic\.service <==$/m);
  assert.match(multi.stdout, /^# ==> hermetic-sealed\.socket <==$/m);
  const json = JSON.parse(cli(['iptables', '--uid', '64010', '--json']).stdout) as { target: string; files: { name: string }[] };
  assert.deepEqual([json.target, json.files[0]?.name], ['iptables', 'hermetic.rules.v4']);
});

test('CLI --check: exit 1 and not-loaded in an empty private netns; --check --uid 0 is refused', { skip: isRoot ? false : 'needs root; CI runs as root' }, (t) => {
  if (spawnSync('nft', ['--version']).error) { t.skip('nft is not installed'); return; }
  const r = spawnSync('unshare', ['--net', testNode, cliPath, 'firewall', '--check', '--uid', '64010', '--json'], { encoding: 'utf8', env: { ...process.env, HERMETIC_DATA_DIR: dataDir } });
  assert.equal(r.status, 1, r.stderr);
  const res = JSON.parse(r.stdout) as { status: string; uid: number };
  assert.deepEqual([res.status, res.uid], ['not-loaded', 64010]);
  const root = cli(['--check', '--uid', '0']);
  assert.equal(root.status, 2);
  assert.match(root.stderr, /refusing root \(uid 0\)/);
});
