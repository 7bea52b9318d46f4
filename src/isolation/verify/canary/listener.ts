// The host-side canary: loopback TCP and UDP listeners that count every connection and datagram.
// A check that expects a block asserts the error AND that the canary saw nothing, so "it failed
// somehow" (wrong port, listener down) can never pass for "it was stopped".
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { createSocket } from 'node:dgram';

export interface CanaryListener {
  host: string;
  tcpPort: number;
  udpPort: number;
  readonly tcpConnections: number;
  readonly udpDatagrams: number;
  readonly hits: number;
  close(): Promise<void>;
}

export async function startCanaryListener(host = '127.0.0.1'): Promise<CanaryListener> {
  let tcp = 0;
  let udp = 0;
  const sockets = new Set<Socket>();
  const server = createServer((s) => { tcp++; sockets.add(s); s.on('close', () => sockets.delete(s)); s.on('error', () => {}); });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(0, host, () => resolve()); });
  const dgram = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  dgram.on('message', () => { udp++; });
  try {
    await new Promise<void>((resolve, reject) => { dgram.once('error', reject); dgram.bind(0, host, () => resolve()); });
  } catch (e) {
    await new Promise<void>((r) => server.close(() => r()));
    throw e;
  }
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

/** Give a late packet the chance to arrive before the count is read. */
export function settle(ms = 50): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
