// Benchmark: requests/s of GET /api/health with every plugin on (rate limit, Host/Origin
// check, token, headers, error handler, request log at 'silent'), as a ratio against a bare
// Fastify route measured in the same run; plus the cold start of `hermetic serve` to its first
// healthy response, as a ratio against a bare `node -e` start.
//   npx tsc -p tsconfig.json && node dist/bench/server.js [--duration S] [--rounds N]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const { values } = parseArgs({ options: { duration: { type: 'string', default: '4' }, rounds: { type: 'string', default: '2' }, connections: { type: 'string', default: '10' } } });
const duration = Number(values.duration);
const rounds = Number(values.rounds);
const connections = Number(values.connections);

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] as number; };

async function startTarget(mode: 'bare' | 'full'): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [join(here, 'server-target.js'), mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => { out += d.toString(); const m = /"port":(\d+)/.exec(out); if (m) resolve(Number(m[1])); });
    child.on('exit', (c) => reject(new Error(`${mode} target exited ${c}`)));
  });
  return { child, port };
}

/** CPU time (user+system, ms) the process has used, from /proc (Linux); null elsewhere. */
function cpuMs(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime+stime in clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}

/** Requests/s, and the server's CPU microseconds per request (robust when other load shares the cores). */
async function measure(mode: 'bare' | 'full'): Promise<{ rps: number; cpuUsPerReq: number | null }> {
  const t = await startTarget(mode);
  try {
    const url = `http://127.0.0.1:${t.port}/api/health`;
    await autocannon({ url, connections, duration: 1 }); // warm-up (JIT, caches)
    const c0 = cpuMs(t.child.pid ?? 0);
    const r = await autocannon({ url, connections, duration });
    const c1 = cpuMs(t.child.pid ?? 0);
    if (r.non2xx || r.errors) throw new Error(`${mode}: ${r.non2xx} non-2xx, ${r.errors} errors`);
    const cpuUsPerReq = c0 !== null && c1 !== null && r.requests.total ? ((c1 - c0) * 1000) / r.requests.total : null;
    return { rps: r.requests.average, cpuUsPerReq };
  } finally {
    t.child.kill('SIGTERM');
  }
}

function getHealth(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/health', agent: false }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
    req.on('error', () => resolve(0));
    req.end();
  });
}

async function coldStart(): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hermetic-bench-cold-'));
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--log-level', 'silent', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (d: Buffer) => { out += d.toString(); const m = /serving on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out); if (m) resolve(Number(m[1])); });
      child.on('exit', (c) => reject(new Error(`serve exited ${c}`)));
    });
    while ((await getHealth(port)) !== 200) await new Promise((r) => setTimeout(r, 5));
    return Number(process.hrtime.bigint() - t0) / 1e6;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
  }
}

function nodeStart(): number {
  const t0 = process.hrtime.bigint();
  spawnSync(process.execPath, ['-e', '']);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const bare: { rps: number; cpuUsPerReq: number | null }[] = [];
const full: { rps: number; cpuUsPerReq: number | null }[] = [];
for (let i = 0; i < rounds; i++) {
  // Interleaved, so a burst of outside load hits both sides alike.
  bare.push(await measure('bare'));
  full.push(await measure('full'));
}
const b = median(bare.map((x) => x.rps));
const f = median(full.map((x) => x.rps));
console.log(`GET /api/health, ${connections} connections, ${duration}s x ${rounds} rounds, interleaved (median of rounds)`);
console.log(`  bare Fastify route        ${b.toFixed(0)} req/s  (rounds: ${bare.map((x) => x.rps.toFixed(0)).join(', ')})`);
console.log(`  Hermetic, all plugins on  ${f.toFixed(0)} req/s  (rounds: ${full.map((x) => x.rps.toFixed(0)).join(', ')})`);
console.log(`  throughput ratio          ${(f / b).toFixed(2)}x  (goal >= 0.80x)`);
const bc = bare.map((x) => x.cpuUsPerReq).filter((x): x is number => x !== null);
const fc = full.map((x) => x.cpuUsPerReq).filter((x): x is number => x !== null);
if (bc.length && fc.length) {
  const bcm = median(bc);
  const fcm = median(fc);
  console.log(`  server CPU per request    bare ${bcm.toFixed(1)} µs, Hermetic ${fcm.toFixed(1)} µs → CPU-bound ratio ${(bcm / fcm).toFixed(2)}x`);
}

const colds: number[] = [];
const nodes: number[] = [];
for (let i = 0; i < 5; i++) { nodes.push(nodeStart()); colds.push(await coldStart()); }
const c = median(colds);
const n = median(nodes);
console.log(`cold start of \`hermetic serve\` to first healthy /api/health: ${c.toFixed(0)} ms median of 5 (${colds.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`  bare \`node -e ''\` start: ${n.toFixed(0)} ms; ratio ${(c / n).toFixed(1)}x`);
