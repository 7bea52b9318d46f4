// The trap's resolver: answers every question for every name, so a program that looks a name up
// gets an address in the trap's world and goes on to connect (which is what we want to see). A
// (192.0.2.2) and AAAA (2001:db8::2) get one answer; other types an empty NOERROR. Also the
// question parser the frame decoder uses to name a DNS leak.
import dgram from 'node:dgram';
import net from 'node:net';

const QTYPES: Record<number, string> = { 1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV', 65: 'HTTPS', 255: 'ANY' };

export interface DnsQuestion {
  id: number;
  name: string;
  qtype: number;
  qclass: number;
  /** Offset just past the question (where answers go). */
  end: number;
}

export function qtypeName(t: number): string {
  return QTYPES[t] ?? `TYPE${t}`;
}

/** The first question of a DNS message, or null if it is not a well-formed query. */
export function parseQuestion(msg: Buffer): DnsQuestion | null {
  if (msg.length < 12) return null;
  const flags = msg.readUInt16BE(2);
  if (flags & 0x8000) return null; // a response, not a query
  if (msg.readUInt16BE(4) < 1) return null;
  const labels: string[] = [];
  let off = 12;
  for (let guard = 0; guard < 128; guard++) {
    if (off >= msg.length) return null;
    const len = msg[off] as number;
    if (len === 0) { off++; break; }
    if (len & 0xc0) return null; // no compression in a question we accept
    if (off + 1 + len > msg.length) return null;
    labels.push(msg.subarray(off + 1, off + 1 + len).toString('latin1').replace(/[^\x21-\x7e]/g, '?'));
    off += 1 + len;
  }
  if (off + 4 > msg.length) return null;
  return { id: msg.readUInt16BE(0), name: labels.join('.').toLowerCase(), qtype: msg.readUInt16BE(off), qclass: msg.readUInt16BE(off + 2), end: off + 4 };
}

/** The answer to `q` (echoing the question): one A/AAAA record, or none for other types. */
export function buildAnswer(query: Buffer, q: DnsQuestion, v4: string, v6: string): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.id, 0);
  const rd = query.readUInt16BE(2) & 0x0100;
  header.writeUInt16BE(0x8000 | 0x0400 | rd | 0x0080, 2); // response, authoritative, RD echoed, RA
  header.writeUInt16BE(1, 4);
  const question = query.subarray(12, q.end);
  let rdata: Buffer | null = null;
  if (q.qtype === 1 && q.qclass === 1) rdata = Buffer.from(v4.split('.').map(Number));
  if (q.qtype === 28 && q.qclass === 1) rdata = ipv6Bytes(v6);
  header.writeUInt16BE(rdata ? 1 : 0, 6);
  if (!rdata) return Buffer.concat([header, question]);
  const rr = Buffer.alloc(12);
  rr.writeUInt16BE(0xc00c, 0); // pointer to the name in the question
  rr.writeUInt16BE(q.qtype, 2);
  rr.writeUInt16BE(1, 4);
  rr.writeUInt32BE(5, 6); // TTL 5 s: nothing should cache a trap's answer
  rr.writeUInt16BE(rdata.length, 10);
  return Buffer.concat([header, question, rr, rdata]);
}

/** A recursive query for `name` (type A = 1, AAAA = 28), with a random id. */
export function buildQuery(name: string, qtype: number): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(Math.floor(Math.random() * 0x10000), 0);
  header.writeUInt16BE(0x0100, 2); // RD
  header.writeUInt16BE(1, 4);
  const labels = name.split('.').filter(Boolean).map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')]));
  const tail = Buffer.alloc(5);
  tail.writeUInt16BE(qtype, 1);
  tail.writeUInt16BE(1, 3);
  return Buffer.concat([header, ...labels, tail]);
}

function ipv6Bytes(addr: string): Buffer {
  const [head = '', tail = ''] = addr.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

export interface DnsSeen { transport: 'udp' | 'tcp'; from: string; fromPort: number; to: string; name: string; qtype: string }

/** UDP and TCP port 53 on every address of the namespace (IPv4, and IPv6 when the kernel has it). */
export async function startResolver(v4: string, v6: string, ipv6: boolean, onQuery: (q: DnsSeen) => void): Promise<() => void> {
  const closers: (() => void)[] = [];
  for (const type of ipv6 ? ['udp4', 'udp6'] as const : ['udp4'] as const) {
    const sock = dgram.createSocket({ type, ipv6Only: type === 'udp6' });
    sock.on('message', (msg, rinfo) => {
      const q = parseQuestion(msg);
      if (!q) return;
      onQuery({ transport: 'udp', from: rinfo.address, fromPort: rinfo.port, to: '', name: q.name, qtype: qtypeName(q.qtype) });
      sock.send(buildAnswer(msg, q, v4, v6), rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve, reject) => { sock.once('error', reject); sock.bind(53, type === 'udp4' ? '0.0.0.0' : '::', () => resolve()); });
    closers.push(() => sock.close());
  }
  const tcp = net.createServer((c) => {
    let buf = Buffer.alloc(0);
    c.on('error', () => {});
    c.setTimeout(5000, () => c.destroy());
    c.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        const q = parseQuestion(msg);
        if (!q) { c.destroy(); return; }
        onQuery({ transport: 'tcp', from: c.remoteAddress ?? '', fromPort: c.remotePort ?? 0, to: c.localAddress ?? '', name: q.name, qtype: qtypeName(q.qtype) });
        const ans = buildAnswer(msg, q, v4, v6);
        const len = Buffer.alloc(2);
        len.writeUInt16BE(ans.length);
        c.write(Buffer.concat([len, ans]));
      }
    });
  });
  await new Promise<void>((resolve, reject) => { tcp.once('error', reject); tcp.listen({ port: 53, host: ipv6 ? '::' : '0.0.0.0', ipv6Only: false }, () => resolve()); });
  closers.push(() => tcp.close());
  return () => { for (const c of closers) { try { c(); } catch {} } };
}
