// `hermetic prove`, the parts that read evidence: the pcap decoder, the DNS question/answer
// code, the catch-all's sniffers, and the verdict rules (what counts as a leak, what voids the
// proof). Frames are built byte by byte here, so each rule is checked on exactly the frame it
// is about.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dns from 'node:dns';
import net from 'node:net';
import { buildAnswer, buildQuery, parseQuestion } from '../../src/prove/dns.js';
import { sniffHttp, sniffSni, startCatchAll, type TcpSeen } from '../../src/prove/catch-all.js';
import { parsePcap, PcapError } from '../../src/prove/pcap.js';
import { classify, controlReport, decide, leaksOf } from '../../src/prove/verdict.js';
import type { ControlFlow, ControlProbe } from '../../src/prove/control.js';
import type { Frame, WorldEvent } from '../../src/prove/types.js';

// ---- frame builders ------------------------------------------------------------------------
const ip4 = (a: string): number[] => a.split('.').map(Number);
function ipv4Packet(src: string, dst: string, proto: number, l4: Buffer): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(20 + l4.length, 2);
  h[8] = 64;
  h[9] = proto;
  Buffer.from(ip4(src)).copy(h, 12);
  Buffer.from(ip4(dst)).copy(h, 16);
  return Buffer.concat([h, l4]);
}
function tcp(sport: number, dport: number, flags: number, payload = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h[12] = 5 << 4;
  h[13] = flags;
  return Buffer.concat([h, payload]);
}
function udp(sport: number, dport: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt16BE(8 + payload.length, 4);
  return Buffer.concat([h, payload]);
}
function ipv6Icmp(type: number): Buffer {
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  h.writeUInt16BE(8, 4);
  h[6] = 58; // ICMPv6, no extension header
  h[7] = 255;
  h[8] = 0xfe; h[9] = 0x80; h[23] = 1; // fe80::1
  h[24] = 0xff; h[25] = 0x02; h[39] = 1; // ff02::1
  const icmp = Buffer.alloc(8);
  icmp[0] = type;
  return Buffer.concat([h, icmp]);
}
/** A pcap file (LINUX_SLL) of [packet type, ethertype, network packet]. */
function pcap(records: [number, number, Buffer][], linktype = 113): Buffer {
  const gh = Buffer.alloc(24);
  gh.writeUInt32LE(0xa1b2c3d4, 0);
  gh.writeUInt16LE(2, 4);
  gh.writeUInt16LE(4, 6);
  gh.writeUInt32LE(65535, 16);
  gh.writeUInt32LE(linktype, 20);
  const parts: Buffer[] = [gh];
  records.forEach(([pkttype, ethertype, pkt], i) => {
    const link = Buffer.alloc(linktype === 113 ? 16 : 14);
    if (linktype === 113) { link.writeUInt16BE(pkttype, 0); link.writeUInt16BE(1, 2); link.writeUInt16BE(ethertype, 14); } else link.writeUInt16BE(ethertype, 12);
    const rh = Buffer.alloc(16);
    rh.writeUInt32LE(1_800_000_000 + i, 0);
    rh.writeUInt32LE(link.length + pkt.length, 8);
    rh.writeUInt32LE(link.length + pkt.length, 12);
    parts.push(rh, link, pkt);
  });
  return Buffer.concat(parts);
}

const SEALED = '192.0.2.1';
const WORLD = '192.0.2.2';

test('pcap: direction, addresses, ports, TCP flags, DNS names and ICMPv6 types are decoded', () => {
  const frames = parsePcap(pcap([
    [0, 0x0806, Buffer.alloc(28)], // ARP
    [0, 0x0800, ipv4Packet(SEALED, '192.0.2.80', 6, tcp(40000, 8102, 0x02))],
    [4, 0x0800, ipv4Packet('192.0.2.80', SEALED, 6, tcp(8102, 40000, 0x12))], // the world's answer: outgoing
    [0, 0x0800, ipv4Packet(SEALED, WORLD, 17, udp(5353, 53, buildQuery('curl-run.hermetic-prove.invalid', 1)))],
    [2, 0x86dd, ipv6Icmp(143)],
  ]));
  assert.equal(frames.length, 5);
  assert.deepEqual(frames.map((f) => f.kind), ['arp', 'ipv4', 'ipv4', 'ipv4', 'ipv6']);
  assert.deepEqual(frames.map((f) => f.inbound), [true, true, false, true, true]);
  assert.equal(frames[1]?.src, SEALED);
  assert.equal(frames[1]?.dst, '192.0.2.80');
  assert.equal(frames[1]?.proto, 'tcp');
  assert.equal(frames[1]?.dport, 8102);
  assert.equal(frames[1]?.flags, 'S');
  assert.equal(frames[2]?.flags, 'SA');
  assert.equal(frames[3]?.dnsName, 'curl-run.hermetic-prove.invalid');
  assert.equal(frames[4]?.proto, 'icmpv6');
  assert.equal(frames[4]?.icmpType, 143);
  assert.equal(frames[4]?.src, 'fe80::1');
  assert.equal(frames[4]?.dst, 'ff02::1');
});

test('pcap: plain Ethernet files count every frame as arriving; a cut-off last record is dropped; garbage is refused', () => {
  const eth = parsePcap(pcap([[0, 0x0800, ipv4Packet(SEALED, WORLD, 6, tcp(1, 2, 0x02))]], 1));
  assert.equal(eth.length, 1);
  assert.equal(eth[0]?.inbound, true);
  const whole = pcap([[0, 0x0800, ipv4Packet(SEALED, WORLD, 6, tcp(1, 2, 0x02))], [0, 0x0800, ipv4Packet(SEALED, WORLD, 6, tcp(3, 4, 0x02))]]);
  assert.equal(parsePcap(whole.subarray(0, whole.length - 5)).length, 1);
  assert.throws(() => parsePcap(Buffer.from('not a capture at all, clearly')), PcapError);
  assert.throws(() => parsePcap(pcap([], 228)), /unsupported link type 228/);
});

test('dns: a query round-trips; A and AAAA get the world, other types an empty answer; responses and pointers are refused', () => {
  const q = buildQuery('Fetch-Run.Hermetic-Prove.invalid', 28);
  const parsed = parseQuestion(q);
  assert.ok(parsed);
  assert.equal(parsed.name, 'fetch-run.hermetic-prove.invalid');
  assert.equal(parsed.qtype, 28);
  const aaaa = buildAnswer(q, parsed, WORLD, '2001:db8::2');
  assert.equal(aaaa.readUInt16BE(6), 1, 'one answer');
  assert.deepEqual([...aaaa.subarray(aaaa.length - 16)], [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
  const txtQ = buildQuery('x.invalid', 16);
  const txt = buildAnswer(txtQ, parseQuestion(txtQ)!, WORLD, '2001:db8::2');
  assert.equal(txt.readUInt16BE(6), 0, 'no answer for TXT');
  assert.equal(parseQuestion(aaaa), null, 'a response is not a question');
  const pointer = Buffer.from(q);
  pointer[12] = 0xc0;
  assert.equal(parseQuestion(pointer), null);
  assert.equal(parseQuestion(Buffer.alloc(5)), null);
});

test('dns: Node\'s own resolver accepts the answers (loopback only)', async () => {
  const sock = (await import('node:dgram')).createSocket('udp4');
  sock.on('message', (m, r) => { const q = parseQuestion(m); if (q) sock.send(buildAnswer(m, q, WORLD, '2001:db8::2'), r.port, r.address); });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  try {
    const resolver = new dns.promises.Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([`127.0.0.1:${sock.address().port}`]);
    assert.deepEqual(await resolver.resolve4('anything.hermetic-prove.invalid'), [WORLD]);
    assert.deepEqual(await resolver.resolve6('anything.hermetic-prove.invalid'), ['2001:db8::2']);
  } finally { sock.close(); }
});

/** A TLS 1.2/1.3 ClientHello carrying one server_name. */
function clientHello(name: string): Buffer {
  const sniName = Buffer.from(name);
  const sni = Buffer.alloc(9 + sniName.length);
  sni.writeUInt16BE(0, 0); // extension type server_name
  sni.writeUInt16BE(5 + sniName.length, 2);
  sni.writeUInt16BE(3 + sniName.length, 4);
  sni[6] = 0;
  sni.writeUInt16BE(sniName.length, 7);
  sniName.copy(sni, 9);
  const body = Buffer.concat([Buffer.from([3, 3]), Buffer.alloc(32), Buffer.from([0]), Buffer.from([0, 2, 0x13, 0x01]), Buffer.from([1, 0]), Buffer.from([sni.length >> 8, sni.length & 0xff]), sni]);
  const hs = Buffer.concat([Buffer.from([1, 0, body.length >> 8, body.length & 0xff]), body]);
  return Buffer.concat([Buffer.from([0x16, 3, 1, hs.length >> 8, hs.length & 0xff]), hs]);
}

test('catch-all: names an HTTP request by its line and Host, TLS by its SNI, and nothing else', () => {
  assert.deepEqual(sniffHttp(Buffer.from('GET /v1/ping HTTP/1.1\r\nHost: telemetry.hermetic-prove.invalid\r\n\r\n')), { http: 'GET /v1/ping', host: 'telemetry.hermetic-prove.invalid' });
  assert.deepEqual(sniffHttp(Buffer.from('POST /up?file=secret.pdf HTTP/1.1\r\n\r\n')), { http: 'POST /up?…' }, 'never the query string: it may carry what leaked');
  assert.equal(sniffHttp(Buffer.from('\x16\x03\x01')), null);
  assert.equal(sniffSni(clientHello('updates.hermetic-prove.invalid')), 'updates.hermetic-prove.invalid');
  assert.equal(sniffSni(Buffer.from('GET / HTTP/1.1\r\n')), null);
  assert.equal(sniffSni(clientHello('x').subarray(0, 20)), null, 'a cut-off hello is not a name');
});

test('catch-all: accepts, answers HTTP, and reports the connection when it closes (loopback only)', async () => {
  const seen: TcpSeen[] = [];
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const stop = await startCatchAll(port, true, (c) => seen.push(c));
  try {
    const body = await new Promise<string>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => s.write('GET /x HTTP/1.1\r\nHost: a.hermetic-prove.invalid\r\n\r\n'));
      let out = '';
      s.on('data', (d: Buffer) => { out += d.toString(); });
      s.on('end', () => resolve(out));
      s.on('error', reject);
    });
    assert.match(body, /^HTTP\/1\.1 200 OK/);
    for (let i = 0; i < 50 && !seen.length; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.host, 'a.hermetic-prove.invalid');
    assert.equal(seen[0]?.http, 'GET /x');
  } finally { stop(); }
});

// ---- verdict rules --------------------------------------------------------------------------
const frame = (over: Partial<Frame>): Frame => ({ ts: 1_800_000_000, inbound: true, kind: 'ipv4', etherType: 0x0800, length: 60, src: SEALED, ...over });
const controlTcp: ControlFlow = { proto: 'tcp', sport: 41000, dst: '192.0.2.99', dport: 9 };
const controlDns: ControlFlow = { proto: 'udp', sport: 41001, dst: WORLD, dport: 53 };
const probesSeen: ControlProbe[] = [
  { when: 'before', what: 'tcp', flow: controlTcp, seenByWorld: true },
  { when: 'before', what: 'dns', flow: controlDns, seenByWorld: true },
];
const controlFrames = [
  frame({ proto: 'tcp', sport: 41000, dst: '192.0.2.99', dport: 9, flags: 'S' }),
  frame({ proto: 'udp', sport: 41001, dst: WORLD, dport: 53, dnsName: 'control.hermetic-prove.invalid' }),
];

test('verdict: housekeeping and the control are not leaks; the world\'s answers are not counted; anything else is', () => {
  const frames = [
    ...controlFrames,
    frame({ kind: 'arp', etherType: 0x0806 }),
    frame({ kind: 'ipv6', proto: 'icmpv6', icmpType: 135 }),
    frame({ inbound: false, proto: 'tcp', sport: 9, dst: SEALED, dport: 41000 }),
    frame({ kind: 'ipv6', proto: 'icmpv6', icmpType: 128 }), // an echo request is NOT housekeeping
    frame({ proto: 'udp', sport: 41000, dst: '192.0.2.80', dport: 9 }), // same port as the control, other protocol
  ];
  const c = classify(frames, [controlTcp, controlDns]);
  assert.equal(c.inbound, 6);
  assert.equal(c.housekeeping, 2);
  assert.equal(c.control, 2);
  assert.equal(c.leakFrames.length, 2);
  assert.deepEqual(c.leakFrames.map((f) => f.proto), ['icmpv6', 'udp']);
});

test('verdict: leaks are grouped by flow, named from the frames and the world\'s logs, and traced to the fixture\'s try', () => {
  const leakFrames = [
    frame({ proto: 'udp', sport: 50000, dst: WORLD, dport: 53, dnsName: 'curl-run.hermetic-prove.invalid' }),
    frame({ proto: 'tcp', sport: 50001, dst: WORLD, dport: 8205, flags: 'S' }),
    frame({ proto: 'tcp', sport: 50001, dst: WORLD, dport: 8205, flags: 'A' }),
  ];
  const world: WorldEvent[] = [
    { type: 'tcp', ts: 1_800_000_001, from: SEALED, fromPort: 50001, to: WORLD, toPort: 65000, bytes: 80, http: 'GET /', host: 'curl-run.hermetic-prove.invalid:8205' },
    { type: 'dns', ts: 1_800_000_001, transport: 'udp', from: SEALED, fromPort: 41001, to: '', name: 'control.hermetic-prove.invalid', qtype: 'A' },
    { type: 'tcp', ts: 1_800_000_002, from: SEALED, fromPort: 50002, to: WORLD, toPort: 65000, bytes: 0 }, // served, but no frame
  ];
  const leaks = leaksOf(leakFrames, world, [controlTcp, controlDns], [
    { path: 'run', attempt: 'tcp', target: '192.0.2.80:8202', outcome: 'reached', code: 'CONNECTED' },
    { path: 'run', attempt: 'curl', target: 'http://curl-run.hermetic-prove.invalid:8205/', outcome: 'reached', code: 'curl exit 0' },
  ]);
  assert.equal(leaks.length, 4, JSON.stringify(leaks));
  const [dnsLeak, curlLeak, unframed, fixtureOnly] = leaks;
  assert.equal(dnsLeak?.name, 'DNS curl-run.hermetic-prove.invalid');
  assert.equal(dnsLeak?.attributedTo, 'the fixture\'s curl attempt under `hermetic run`');
  assert.equal(curlLeak?.frames, 2);
  assert.equal(curlLeak?.name, 'HTTP Host curl-run.hermetic-prove.invalid:8205; GET /');
  assert.equal(curlLeak?.attributedTo, 'the fixture\'s curl attempt under `hermetic run`');
  assert.equal(unframed?.frames, 0);
  assert.equal(unframed?.from, `${SEALED}:50002`);
  assert.equal(fixtureOnly?.attributedTo, 'the fixture\'s tcp attempt under `hermetic run`', 'what the fixture reached is a leak even without a frame');
});

test('verdict: sealed needs a seen control and a complete capture; any leak wins over void', () => {
  const stats = { frames: 2, kernelDrops: 0, truncated: 0, notWritten: 0 };
  const ok = controlReport(probesSeen, controlFrames);
  assert.equal(ok.ok, true);
  assert.equal(decide([], ok, stats, 2).verdict, 'sealed');
  // The world saw the control but the frames did not: a blind recorder.
  const blind = controlReport(probesSeen, []);
  assert.equal(blind.ok, false);
  assert.deepEqual(blind.probes.map((p) => [p.seenFrames, p.seenByWorld]), [[false, true], [false, true]]);
  const nothing = { frames: 0, kernelDrops: 0, truncated: 0, notWritten: 0 };
  assert.equal(decide([], blind, nothing, 0).verdict, 'void');
  assert.match(decide([], blind, nothing, 0).reason, /positive control was not seen/);
  // No control made at all: void, never sealed.
  assert.equal(decide([], controlReport([], []), nothing, 0).verdict, 'void');
  assert.match(decide([], ok, { ...stats, kernelDrops: 3 }, 2).reason, /dropped 3 frame/);
  assert.match(decide([], ok, { ...stats, frames: 9 }, 2).reason, /holds 2 of the 9 frames/);
  assert.match(decide([], ok, { ...stats, frames: 9, notWritten: 7 }, 2).reason, /size cap: 7 frame/);
  assert.equal(decide([], ok, null, 2).verdict, 'void');
  const leak = { proto: 'udp', from: `${SEALED}:1`, to: `${WORLD}:53`, frames: 1, firstSeen: '', name: 'DNS x.invalid' };
  const leaked = decide([leak], blind, null, 0);
  assert.equal(leaked.verdict, 'leaked');
  assert.match(leaked.reason, /udp 192\.0\.2\.1:1 → 192\.0\.2\.2:53 \(DNS x\.invalid\)/);
});
