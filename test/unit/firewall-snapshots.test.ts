// Snapshots of every target's output for fixed inputs. pf, Windows, systemd and Docker cannot
// run on this machine, so each of their lines was reviewed by hand once and is pinned here: a
// change shows up as a diff to review again. (nftables/iptables are also run for real in
// test/integration/firewall-*.test.ts.) Regenerate deliberately with
//   HERMETIC_UPDATE_SNAPSHOTS=1 node --test dist/test/unit/firewall-snapshots.test.js
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSpec, generate, type FirewallInput, type FirewallTarget } from '../../src/firewall/index.js';
import { fixturesDir } from '../helpers/paths.js';

const snapDir = join(fixturesDir, 'firewall', 'snapshots');
const update = process.env.HERMETIC_UPDATE_SNAPSHOTS === '1';
const defaults = {
  port: 7878, nodePath: '/usr/bin/node', cliPath: '/opt/hermetic/dist/src/cli/main.js', dataDir: '/var/lib/hermetic',
  lookup: (n: string) => (n === 'hermetic' ? 999 : null),
  reverse: (u: number) => (u === 999 ? 'hermetic' : null),
};

const CASES: { name: string; target: FirewallTarget; input: FirewallInput }[] = [
  { name: 'nftables', target: 'nftables', input: { user: 'hermetic', cgroup: 'system.slice/hermetic.service' } },
  { name: 'iptables', target: 'iptables', input: { user: 'hermetic' } },
  { name: 'ip6tables-loopback-any', target: 'ip6tables', input: { uid: 999, loopback: 'any' } },
  { name: 'pf', target: 'pf', input: { user: 'hermetic' } },
  { name: 'pf-uid-loopback-any', target: 'pf', input: { uid: 501, loopback: 'any' } },
  { name: 'windows', target: 'windows', input: { programs: ['C:\\Program Files\\nodejs\\node.exe', "C:\\Users\\O'Brien\\tools\\tesseract.exe"] } },
  { name: 'systemd', target: 'systemd', input: { user: 'hermetic', programs: ['/usr/local/bin/node'], port: 8080 } },
  { name: 'docker', target: 'docker', input: {} },
];

for (const c of CASES) {
  test(`snapshot: ${c.name}`, () => {
    const rules = generate(c.target, buildSpec(c.target, c.input, defaults));
    const text = rules.files.map((f) => `==> ${f.name} <==\n${f.content}`).join('\n');
    const file = join(snapDir, `${c.name}.txt`);
    if (update) {
      mkdirSync(snapDir, { recursive: true });
      writeFileSync(file, text);
    }
    assert.ok(existsSync(file), `missing snapshot ${file}: review the output and create it with HERMETIC_UPDATE_SNAPSHOTS=1`);
    assert.equal(text, readFileSync(file, 'utf8'));
  });
}

// Beyond the snapshots: what can be checked here without the platform is checked.
const filesOf = (target: FirewallTarget, input: FirewallInput) =>
  Object.fromEntries(generate(target, buildSpec(target, input, defaults)).files.map((f) => [f.name, f.content]));

test('docker: compose.yaml is valid YAML with no network; the shell script passes sh -n', async () => {
  const { parse } = await import('yaml');
  const f = filesOf('docker', {});
  const compose = parse(f['compose.yaml'] ?? '') as { services: Record<string, { network_mode: string; cap_drop: string[]; read_only: boolean }> };
  assert.equal(compose.services.hermetic?.network_mode, 'none');
  assert.equal(compose.services['hermetic-ui']?.network_mode, 'service:hermetic');
  for (const s of Object.values(compose.services)) {
    assert.deepEqual(s.cap_drop, ['ALL']);
    assert.equal(s.read_only, true);
  }
  const { spawnSync } = await import('node:child_process');
  const sh = spawnSync('sh', ['-n'], { input: f['hermetic-docker.sh'], encoding: 'utf8' });
  assert.equal(sh.status, 0, sh.stderr);
  assert.match(f['hermetic-docker.sh'] ?? '', /--network none/);
});

test('systemd: every line is a comment, a [Section] or Key=Value; the sealed service has PrivateNetwork and the inherited fd', () => {
  const f = filesOf('systemd', { user: 'hermetic', programs: ['/usr/bin/node'] });
  for (const [name, content] of Object.entries(f)) {
    for (const line of content.split('\n')) {
      assert.ok(line === '' || line.startsWith('#') || /^\[(Unit|Service|Socket|Install)\]$/.test(line) || /^[A-Z][A-Za-z0-9]+=/.test(line), `${name}: ${line}`);
    }
  }
  const keys = (s: string) => s.split('\n').filter((l) => /^[A-Z]/.test(l));
  assert.ok(keys(f['hermetic.service'] ?? '').includes('IPAddressDeny=any'));
  assert.ok(keys(f['hermetic.service'] ?? '').includes('IPAddressAllow=localhost'));
  assert.ok(!keys(f['hermetic.service'] ?? '').some((k) => k.startsWith('PrivateNetwork=')));
  assert.ok(keys(f['hermetic-sealed.service'] ?? '').includes('PrivateNetwork=yes'));
  assert.ok(keys(f['hermetic-sealed.service'] ?? '').includes('Environment=HERMETIC_LISTEN_FD=3'));
  assert.ok(keys(f['hermetic-sealed.service'] ?? '').includes('RestrictAddressFamilies=AF_UNIX'));
  assert.ok(keys(f['hermetic-sealed.socket'] ?? '').includes('ListenStream=127.0.0.1:7878'));
  assert.ok(!Object.values(f).join('\n').includes('MemoryDenyWriteExecute=yes'), 'V8 needs W+X memory');
});

test('windows: the allow rule is for the Node binary only, every program gets a block rule without loopback', () => {
  const ps = filesOf('windows', { programs: ['C:\\node\\node.exe', 'C:\\tools\\magick.exe'] })['hermetic-firewall.ps1'] ?? '';
  const rules = ps.split('\n').filter((l) => l.startsWith('New-NetFirewallRule'));
  assert.equal(rules.length, 3);
  assert.equal(rules.filter((l) => l.includes('-Action Allow')).length, 1);
  assert.ok(rules.find((l) => l.includes('-Action Allow'))?.includes("-Program 'C:\\node\\node.exe'"));
  for (const l of rules.filter((r) => r.includes('-Action Block'))) {
    assert.doesNotMatch(l, /127\.0\.0\.1|'::1'|RemoteAddress Any/);
    assert.match(l, /'0\.0\.0\.0-126\.255\.255\.255', '128\.0\.0\.0-255\.255\.255\.255'/);
  }
});
