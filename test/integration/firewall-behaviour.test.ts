// The generated rules must actually work: loaded into a namespace this test creates, they stop
// the blocked uid (TCP and UDP, IPv4 and IPv6; the drop counter goes up and the "world"
// listener sees nothing), let another uid through, and keep the UI/API on loopback working.
// Never the host's own rules: everything happens in `hermetic-fw-*` namespaces, deleted after.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { buildSpec, checkLoadedRules, generate, generateUndo, type FirewallTarget, type LoadedRulesResult } from '../../src/firewall/index.js';
import { createLab, labUnavailable, SEALED_V4, WORLD_V4, WORLD_V6, type Lab, type Listener } from './firewall-lab.js';

const BLOCKED = 64010;
const OTHER = 64011;
const API = 7878;
const LOCAL_OTHER_TCP = 5353;
const LOCAL_OTHER_UDP = 5354;
const WORLD_TCP = 8080;
const WORLD_UDP = 8081;

const unavailable = labUnavailable(['nft', 'iptables-restore', 'ip6tables-restore']);

function spec(target: FirewallTarget, loopback: 'port' | 'any' = 'port') {
  return buildSpec(target, { uid: BLOCKED, port: API, loopback }, { port: API, nodePath: '/usr/bin/node', cliPath: '/opt/hermetic/cli.js', dataDir: '/var/lib/hermetic' });
}

/** Rule files per kind: nftables is one inet table; iptables needs the IPv4 and the IPv6 file. */
const KINDS: Record<string, { tool: string; target: FirewallTarget }[]> = {
  nftables: [{ tool: 'nft', target: 'nftables' }],
  iptables: [{ tool: 'iptables-restore', target: 'iptables' }, { tool: 'ip6tables-restore', target: 'ip6tables' }],
};

function toolArgs(tool: string): string[] {
  return tool === 'nft' ? ['-f', '-'] : ['--noflush'];
}

async function load(lab: Lab, kind: string, undo = false, loopback: 'port' | 'any' = 'port'): Promise<void> {
  for (const { tool, target } of KINDS[kind] ?? []) {
    const rules = undo ? generateUndo(target, spec(target, loopback)) : generate(target, spec(target, loopback));
    const content = rules?.files[0]?.content;
    assert.ok(content, `${target} produced a file`);
    const r = await lab.run(lab.sealed, tool, toolArgs(tool), content);
    assert.equal(r.code, 0, `${tool} ${undo ? 'undo' : 'load'} failed: ${r.stderr}`);
  }
}

function droppedPackets(r: LoadedRulesResult): number {
  return r.rulesets.reduce((n, s) => n + (s.dropped?.packets ?? 0), 0);
}

for (const kind of Object.keys(KINDS)) {
  describe(`firewall rules in force (${kind}), in namespaces made by this test`, { skip: unavailable ?? false }, () => {
    let lab: Lab;
    let world: Listener;

    before(async () => {
      lab = await createLab();
      world = await lab.listen(lab.world, null, [WORLD_TCP], WORLD_UDP);
      // The loopback service in "sealed" runs AS the blocked uid, like Hermetic's server, so
      // its replies (sport = API) go through the rules too.
      await lab.listen(lab.sealed, BLOCKED, [API, LOCAL_OTHER_TCP], LOCAL_OTHER_UDP);
    });
    after(async () => { await lab?.destroy(); });

    test('control: before the rules are loaded the blocked uid reaches the world', async () => {
      const before = world.tcp;
      assert.deepEqual(await lab.probe(lab.sealed, BLOCKED, 'tcp', WORLD_V4, WORLD_TCP), { ok: true });
      assert.ok(await world.waitFor((l) => l.tcp > before, 2000), 'the world listener saw the connection');
      const r = await checkLoadedRules({ netns: lab.sealed, uid: BLOCKED, cgroup: null });
      assert.equal(r.status, 'not-loaded', r.reason);
      assert.equal(r.loaded, false);
    });

    test('the blocked uid cannot reach the world: TCP and UDP, IPv4 and IPv6; counter up; listener saw nothing', async () => {
      await load(lab, kind);
      const loaded = await checkLoadedRules({ netns: lab.sealed, uid: BLOCKED, cgroup: null });
      assert.equal(loaded.status, 'loaded', loaded.reason);
      const counterBefore = droppedPackets(loaded);
      const seen = { tcp: world.tcp, udp: world.udp };
      const [tcp4, tcp6, udp4, udp6] = await Promise.all([
        lab.probe(lab.sealed, BLOCKED, 'tcp', WORLD_V4, WORLD_TCP),
        lab.probe(lab.sealed, BLOCKED, 'tcp', WORLD_V6, WORLD_TCP),
        lab.probe(lab.sealed, BLOCKED, 'udp', WORLD_V4, WORLD_UDP),
        lab.probe(lab.sealed, BLOCKED, 'udp', WORLD_V6, WORLD_UDP),
      ]);
      // A dropped SYN is retransmitted by the kernel: the connect never completes (our deadline);
      // a dropped datagram is reported to the sender at once as EPERM.
      assert.deepEqual(tcp4, { ok: false, code: 'TIMEOUT' });
      assert.deepEqual(tcp6, { ok: false, code: 'TIMEOUT' });
      assert.deepEqual(udp4, { ok: false, code: 'EPERM' });
      assert.deepEqual(udp6, { ok: false, code: 'EPERM' });
      const after = await checkLoadedRules({ netns: lab.sealed, uid: BLOCKED, cgroup: null });
      // At least the two SYNs and the two datagrams hit the drop rule(s).
      assert.ok(droppedPackets(after) >= counterBefore + 4, `drop counter went from ${counterBefore} to ${droppedPackets(after)}`);
      assert.deepEqual({ tcp: world.tcp, udp: world.udp }, seen, 'the world listener saw nothing from the blocked uid');
    });

    test('another uid still reaches the world (TCP and UDP, IPv4 and IPv6)', async () => {
      const seen = { tcp: world.tcp, udp: world.udp };
      const results = await Promise.all([
        lab.probe(lab.sealed, OTHER, 'tcp', WORLD_V4, WORLD_TCP),
        lab.probe(lab.sealed, OTHER, 'tcp', WORLD_V6, WORLD_TCP),
        lab.probe(lab.sealed, OTHER, 'udp', WORLD_V4, WORLD_UDP),
        lab.probe(lab.sealed, OTHER, 'udp', WORLD_V6, WORLD_UDP),
      ]);
      assert.deepEqual(results, [{ ok: true }, { ok: true }, { ok: true }, { ok: true }]);
      assert.ok(await world.waitFor((l) => l.tcp >= seen.tcp + 2 && l.udp >= seen.udp + 2, 3000),
        `world saw tcp ${world.tcp - seen.tcp}/2, udp ${world.udp - seen.udp}/2`);
    });

    test('loopback: the UI/API port works for the blocked uid, both ways; other loopback ports are dropped', async () => {
      const [self4, self6, fromRoot, fromOther, otherTcp, otherUdp] = await Promise.all([
        lab.probe(lab.sealed, BLOCKED, 'tcp', '127.0.0.1', API),
        lab.probe(lab.sealed, BLOCKED, 'tcp', '::1', API),
        // The server side: replies come from the blocked uid with source port API.
        lab.probe(lab.sealed, null, 'tcp', '127.0.0.1', API),
        lab.probe(lab.sealed, OTHER, 'tcp', SEALED_V4, API),
        // Like the local DNS stub or a local proxy: not Hermetic's port, so dropped.
        lab.probe(lab.sealed, BLOCKED, 'tcp', '127.0.0.1', LOCAL_OTHER_TCP),
        lab.probe(lab.sealed, BLOCKED, 'udp', '127.0.0.1', LOCAL_OTHER_UDP),
      ]);
      assert.deepEqual([self4, self6, fromRoot, fromOther], [{ ok: true }, { ok: true }, { ok: true }, { ok: true }]);
      assert.deepEqual(otherTcp, { ok: false, code: 'TIMEOUT' });
      assert.deepEqual(otherUdp, { ok: false, code: 'EPERM' });
    });

    test('undo removes the rules: the check says not-loaded and the blocked uid gets through again', async () => {
      await load(lab, kind, true);
      const r = await checkLoadedRules({ netns: lab.sealed, uid: BLOCKED, cgroup: null });
      assert.equal(r.status, 'not-loaded', r.reason);
      const before = world.udp;
      assert.deepEqual(await lab.probe(lab.sealed, BLOCKED, 'udp', WORLD_V6, WORLD_UDP), { ok: true });
      assert.ok(await world.waitFor((l) => l.udp > before, 2000));
    });
  });
}

describe('firewall rules with --loopback any (nftables)', { skip: unavailable ?? false }, () => {
  let lab: Lab;
  before(async () => {
    lab = await createLab();
    await lab.listen(lab.sealed, BLOCKED, [API, LOCAL_OTHER_TCP], LOCAL_OTHER_UDP);
    await load(lab, 'nftables', false, 'any');
  });
  after(async () => { await lab?.destroy(); });

  test('every loopback port stays open for the blocked uid, the world stays closed', async () => {
    const [api, other, udp, world] = await Promise.all([
      lab.probe(lab.sealed, BLOCKED, 'tcp', '127.0.0.1', API),
      lab.probe(lab.sealed, BLOCKED, 'tcp', '::1', LOCAL_OTHER_TCP),
      lab.probe(lab.sealed, BLOCKED, 'udp', '127.0.0.1', LOCAL_OTHER_UDP),
      lab.probe(lab.sealed, BLOCKED, 'udp', WORLD_V4, WORLD_UDP),
    ]);
    assert.deepEqual([api, other, udp], [{ ok: true }, { ok: true }, { ok: true }]);
    assert.deepEqual(world, { ok: false, code: 'EPERM' });
  });
});
