// The jailed canary (runs as its own program under the jail, with no tripwire). It tries TCP,
// UDP and DNS towards the host-side loopback canary and prints one JSON line of outcomes. Only
// when the parent answers "go" on stdin (because the canary saw nothing and every loopback
// attempt failed) does it try a documentation address (192.0.2.1, RFC 5737) — so a broken jail
// is caught on loopback and never lets the canary send a packet towards the outside.
// No name is looked up anywhere: the DNS attempt asks the loopback canary about a `.invalid`
// name (RFC 6761), which no real resolver would ever be asked for.
import { connect } from 'node:net';
import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns';
import { createInterface } from 'node:readline';

export interface CanaryPlan {
  host: string;
  tcpPort: number;
  udpPort: number;
  docAddress: string;
  docPort: number;
}

export interface CanaryOutcomes {
  phase: 'loopback' | 'external';
  pid: number;
  tcp?: string;
  udp?: string;
  dns?: string;
}

const TIMEOUT_MS = 1500;

function code(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown };
  return typeof err?.code === 'string' ? err.code : String(err?.message ?? e);
}

function tcp(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    try {
      const s = connect({ host, port });
      const t = setTimeout(() => { s.destroy(); resolve('timeout'); }, TIMEOUT_MS);
      s.once('connect', () => { clearTimeout(t); s.destroy(); resolve('connected'); });
      s.once('error', (e) => { clearTimeout(t); resolve(code(e)); });
    } catch (e) {
      resolve(code(e));
    }
  });
}

function udp(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    try {
      const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
      const done = (r: string) => { try { s.close(); } catch {} resolve(r); };
      s.once('error', (e) => done(code(e)));
      s.send(Buffer.from('hermetic-canary'), port, host, (e) => done(e ? code(e) : 'sent'));
    } catch (e) {
      resolve(code(e));
    }
  });
}

function dns(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    try {
      // Short: a jailed resolver fails at once; only an unjailed one waits for an answer that never comes.
      const r = new Resolver({ timeout: 400, tries: 1 });
      r.setServers([`${host}:${port}`]);
      r.resolve4('hermetic-canary.invalid', (e) => resolve(e ? code(e) : 'resolved'));
    } catch (e) {
      resolve(code(e));
    }
  });
}

async function main(): Promise<void> {
  const plan = JSON.parse(process.argv[2] ?? '{}') as CanaryPlan;
  const loop: CanaryOutcomes = { phase: 'loopback', pid: process.pid };
  loop.tcp = await tcp(plan.host, plan.tcpPort);
  loop.udp = await udp(plan.host, plan.udpPort);
  loop.dns = await dns(plan.host, plan.udpPort);
  process.stdout.write(`${JSON.stringify(loop)}\n`);
  const rl = createInterface({ input: process.stdin });
  const answer = await new Promise<string>((resolve) => {
    rl.once('line', (l) => resolve(l.trim()));
    rl.once('close', () => resolve('stop'));
  });
  rl.close();
  if (answer === 'go') {
    const ext: CanaryOutcomes = { phase: 'external', pid: process.pid };
    ext.tcp = await tcp(plan.docAddress, plan.docPort);
    ext.udp = await udp(plan.docAddress, plan.docPort);
    process.stdout.write(`${JSON.stringify(ext)}\n`);
  }
}

main().then(() => process.exit(0), (e) => { process.stderr.write(`canary: ${code(e)}\n`); process.exit(1); });
