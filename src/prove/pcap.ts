// Reads the recorder's pcap file (LINKTYPE_LINUX_SLL; plain Ethernet too, for files from other
// tools) into decoded frames: direction, addresses, ports, TCP flags, ICMP type, and the name
// of a DNS question. Only headers are decoded; payloads are never kept.
import { parseQuestion } from './dns.js';
import type { Frame } from './types.js';

const LINKTYPE_ETHERNET = 1;
const LINKTYPE_LINUX_SLL = 113;
const PACKET_OUTGOING = 4;

export class PcapError extends Error {}

function ipv4(b: Buffer, off: number): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

function ipv6(b: Buffer, off: number): string {
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) groups.push(b.readUInt16BE(off + i * 2).toString(16));
  // Longest run of zero groups becomes "::" (RFC 5952).
  let best = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) { best = i; bestLen = j - i; }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

const TCP_FLAGS: [number, string][] = [[0x02, 'S'], [0x10, 'A'], [0x01, 'F'], [0x04, 'R'], [0x08, 'P']];

function decodeL4(f: Frame, proto: number, b: Buffer, off: number): void {
  if (proto === 6 && off + 14 <= b.length) {
    f.proto = 'tcp';
    f.sport = b.readUInt16BE(off);
    f.dport = b.readUInt16BE(off + 2);
    const fl = b[off + 13] as number;
    f.flags = TCP_FLAGS.filter(([bit]) => fl & bit).map(([, l]) => l).join('');
    const dataOff = off + ((b[off + 12] as number) >> 4) * 4;
    if ((f.dport === 53) && dataOff + 2 < b.length) {
      const q = parseQuestion(b.subarray(dataOff + 2));
      if (q) f.dnsName = q.name;
    }
  } else if (proto === 17 && off + 8 <= b.length) {
    f.proto = 'udp';
    f.sport = b.readUInt16BE(off);
    f.dport = b.readUInt16BE(off + 2);
    if (f.dport === 53 || f.dport === 5353) {
      const q = parseQuestion(b.subarray(off + 8));
      if (q) f.dnsName = q.name;
    }
  } else if (proto === 1 && off < b.length) {
    f.proto = 'icmp';
    f.icmpType = b[off] as number;
  } else if (proto === 58 && off < b.length) {
    f.proto = 'icmpv6';
    f.icmpType = b[off] as number;
  } else {
    f.proto = `ip-proto-${proto}`;
  }
}

/** Decode one network-layer packet (after the link header). */
function decodeNetwork(f: Frame, b: Buffer): void {
  if (f.etherType === 0x0806) { f.kind = 'arp'; return; }
  if (f.etherType === 0x0800 && b.length >= 20) {
    f.kind = 'ipv4';
    const ihl = ((b[0] as number) & 0x0f) * 4;
    f.src = ipv4(b, 12);
    f.dst = ipv4(b, 16);
    const fragOffset = b.readUInt16BE(6) & 0x1fff;
    if (fragOffset === 0) decodeL4(f, b[9] as number, b, ihl);
    else f.proto = 'ipv4-fragment';
    return;
  }
  if (f.etherType === 0x86dd && b.length >= 40) {
    f.kind = 'ipv6';
    f.src = ipv6(b, 8);
    f.dst = ipv6(b, 24);
    let next = b[6] as number;
    let off = 40;
    // Hop-by-hop (MLD reports carry one), routing, destination options: skip to the payload.
    for (let guard = 0; guard < 8 && [0, 43, 60].includes(next) && off + 2 <= b.length; guard++) {
      const n = b[off] as number;
      off += ((b[off + 1] as number) + 1) * 8;
      next = n;
    }
    if (next === 44) { f.proto = 'ipv6-fragment'; return; }
    decodeL4(f, next, b, off);
    return;
  }
  f.kind = 'other';
}

/** Every frame in a pcap file (classic format, either byte order, microsecond timestamps). */
export function parsePcap(file: Buffer): Frame[] {
  if (file.length < 24) throw new PcapError(`not a pcap file (${file.length} bytes)`);
  const magic = file.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4;
  if (!le && magic !== 0xd4c3b2a1) throw new PcapError(`not a pcap file (magic ${magic.toString(16)})`);
  const u32 = (o: number): number => (le ? file.readUInt32LE(o) : file.readUInt32BE(o));
  const linktype = u32(20);
  if (linktype !== LINKTYPE_LINUX_SLL && linktype !== LINKTYPE_ETHERNET) throw new PcapError(`unsupported link type ${linktype}`);
  const frames: Frame[] = [];
  let off = 24;
  while (off + 16 <= file.length) {
    const sec = u32(off), usec = u32(off + 4), incl = u32(off + 8), orig = u32(off + 12);
    off += 16;
    if (off + incl > file.length) break; // a record cut short: the recorder was killed mid-write
    const rec = file.subarray(off, off + incl);
    off += incl;
    let f: Frame;
    if (linktype === LINKTYPE_LINUX_SLL) {
      if (rec.length < 16) continue;
      f = { ts: sec + usec / 1e6, inbound: rec.readUInt16BE(0) !== PACKET_OUTGOING, kind: 'other', etherType: rec.readUInt16BE(14), length: orig - 16 };
      decodeNetwork(f, rec.subarray(16));
    } else {
      if (rec.length < 14) continue;
      // Plain Ethernet has no direction: every frame counts as arriving (the stricter reading).
      f = { ts: sec + usec / 1e6, inbound: true, kind: 'other', etherType: rec.readUInt16BE(12), length: orig - 14 };
      decodeNetwork(f, rec.subarray(14));
    }
    frames.push(f);
  }
  return frames;
}
