// A host-side loopback canary: TCP and UDP listeners that count every connection and datagram.
// A blocking test asserts its error AND that the canary saw nothing — the positive control that
// turns "it failed somehow" into "it was stopped before it reached anything".
import { createServer, type Server, type Socket } from 'node:net';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';

export interface Canary {
  host: string;
  tcpPort: number;
  udpPort: number;
  /** TCP connections accepted so far. */
  readonly tcpConnections: number;
  /** UDP datagrams received so far. */
  readonly udpDatagrams: number;
  /** Sum of both. */
  readonly hits: number;
  close(): Promise<void>;
}

export async function startCanary(host = '127.0.0.1'): Promise<Canary> {
  let tcp = 0;
  let udp = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => { tcp++; sockets.add(s); s.on('close', () => sockets.delete(s)); s.on('error', () => {}); });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(0, host, () => resolve()); });
  const dgram: UdpSocket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  dgram.on('message', () => { udp++; });
  await new Promise<void>((resolve, reject) => { dgram.once('error', reject); dgram.bind(0, host, () => resolve()); });
  return {
    host,
    tcpPort: (server.address() as AddressInfo).port,
    udpPort: dgram.address().port,
    get tcpConnections() { return tcp; },
    get udpDatagrams() { return udp; },
    get hits() { return tcp + udp; },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      await new Promise<void>((r) => dgram.close(() => r()));
    },
  };
}
