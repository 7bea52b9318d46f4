// The trap's TCP side: one listener that every TCP port of the world is redirected to (nftables
// or iptables REDIRECT), so any connection is accepted. It reads the first bytes only to NAME
// what came: an HTTP request line and Host, or a TLS server name (SNI). No body is kept.
import net from 'node:net';

export interface TcpSeen { from: string; fromPort: number; to: string; toPort: number; bytes: number; http?: string; host?: string; sni?: string }

const HTTP_METHOD = /^(GET|POST|PUT|HEAD|DELETE|OPTIONS|PATCH|CONNECT) (\S{1,200}) HTTP\/1\.[01]\r?\n/;

/** The first request line and Host header of an HTTP/1 request, or null. */
export function sniffHttp(first: Buffer): { http: string; host?: string } | null {
  const text = first.subarray(0, 2048).toString('latin1');
  const m = HTTP_METHOD.exec(text);
  if (!m) return null;
  const host = /\r?\nhost:[ \t]*([^\r\n]{1,200})/i.exec(text)?.[1]?.trim();
  // The path without its query string: a query may carry what leaked (an id, a file name).
  const path = (m[2] as string).split('?')[0] as string;
  return { http: `${m[1]} ${path}${path !== m[2] ? '?…' : ''}`, ...(host ? { host } : {}) };
}

/** The server name of a TLS ClientHello (RFC 8446 / 6066), or null. */
export function sniffSni(b: Buffer): string | null {
  try {
    if (b[0] !== 0x16 || b[5] !== 0x01) return null; // handshake record, ClientHello
    let off = 9 + 2 + 32; // record header 5 + handshake header 4, version 2, random 32
    off += 1 + (b[off] as number); // session id
    off += 2 + b.readUInt16BE(off); // cipher suites
    off += 1 + (b[off] as number); // compression methods
    const extEnd = off + 2 + b.readUInt16BE(off);
    off += 2;
    while (off + 4 <= extEnd && off + 4 <= b.length) {
      const type = b.readUInt16BE(off);
      const len = b.readUInt16BE(off + 2);
      if (type === 0) {
        // server_name: list length 2, name type 1 (0 = host_name), name length 2, name
        const nameLen = b.readUInt16BE(off + 7);
        return b.subarray(off + 9, off + 9 + nameLen).toString('latin1').replace(/[^\x21-\x7e]/g, '?');
      }
      off += 4 + len;
    }
  } catch {}
  return null;
}

const REPLY = 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 21\r\nconnection: close\r\n\r\nhermetic prove: trap\n';

/** Listen on every address of the namespace at `port`; report each connection once it ends. */
export async function startCatchAll(port: number, ipv6: boolean, onConnection: (c: TcpSeen) => void): Promise<() => void> {
  const server = net.createServer((c) => {
    const seen: TcpSeen = { from: c.remoteAddress ?? '', fromPort: c.remotePort ?? 0, to: c.localAddress ?? '', toPort: c.localPort ?? 0, bytes: 0 };
    let first = Buffer.alloc(0);
    let reported = false;
    const report = (): void => { if (!reported) { reported = true; onConnection(seen); } };
    c.on('error', () => {});
    // Reported when it closes (with what it said); a silent peer is cut off after 3 s.
    c.on('close', report);
    c.setTimeout(3000, () => c.destroy());
    c.on('data', (d: Buffer) => {
      seen.bytes += d.length;
      if (first.length < 4096) {
        first = Buffer.concat([first, d]).subarray(0, 4096);
        const h = sniffHttp(first);
        if (h) { Object.assign(seen, h); c.end(REPLY); }
        const sni = sniffSni(first);
        if (sni) { seen.sni = sni; c.destroy(); }
      }
    });
  });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen({ port, host: ipv6 ? '::' : '0.0.0.0', ipv6Only: false }, () => resolve()); });
  return () => server.close();
}
