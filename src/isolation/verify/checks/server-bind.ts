// server.bind: every socket this process listens on is bound to loopback. Measured from the
// kernel's socket tables (/proc/net/tcp*, matched to our own fds), so it also covers anything a
// dependency opened behind our back; plus the server's own getsockname() answers, which also
// cover the paranoid launcher's inherited socket (it lives in the launcher's network namespace,
// so it is absent from this namespace's tables).
import { join } from 'node:path';
import type { Check } from '../check.js';
import { isLoopbackAddress, ownSocketInodes, parseSocketTable, readText, type SocketEntry } from '../proc.js';

const TCP_LISTEN = '0A';
const UDP_UNCONNECTED = '07';

export const serverBind: Check = {
  id: 'server.bind',
  title: 'Listening on loopback only',
  async run(ctx) {
    const tables: SocketEntry['proto'][] = ['tcp', 'tcp6', 'udp', 'udp6'];
    const first = readText(join(ctx.procRoot, 'self', 'net', 'tcp'));
    if (first === null && !ctx.serverAddresses?.length) return { status: 'skip', detail: 'the kernel socket table is not readable (not Linux?)' };
    const inodes = ownSocketInodes(ctx.procRoot);
    const listening: SocketEntry[] = [];
    for (const proto of tables) {
      const text = readText(join(ctx.procRoot, 'self', 'net', proto)) ?? '';
      for (const s of parseSocketTable(text, proto)) {
        const isListener = proto.startsWith('tcp') ? s.state === TCP_LISTEN : s.state === UDP_UNCONNECTED;
        if (isListener && inodes.has(s.inode)) listening.push(s);
      }
    }
    for (const a of ctx.serverAddresses ?? []) {
      if (!listening.some((s) => s.localAddress === a.address && s.localPort === a.port)) {
        listening.push({ proto: a.address.includes(':') ? 'tcp6' : 'tcp', localAddress: a.address, localPort: a.port, state: TCP_LISTEN, inode: 0 });
      }
    }
    const shown = listening.map((s) => `${s.proto} ${s.localAddress.includes(':') ? `[${s.localAddress}]` : s.localAddress}:${s.localPort}`);
    const exposed = listening.filter((s) => !isLoopbackAddress(s.localAddress));
    const data = { listening: shown };
    if (exposed.length) {
      return { status: 'fail', detail: `listening beyond loopback: ${exposed.map((s) => `${s.proto} ${s.localAddress}:${s.localPort}`).join(', ')}`, data };
    }
    if (!listening.length) {
      return ctx.role === 'server'
        ? { status: 'fail', detail: 'the server holds no listening socket that the kernel knows of', data }
        : { status: 'skip', detail: 'no server in this process (this is the CLI); a running server reports this check itself', data: { ...data, notApplicable: true } };
    }
    return { status: 'pass', detail: `listening on ${shown.join(', ')} only`, data };
  },
};
