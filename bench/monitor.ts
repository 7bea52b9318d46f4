// Benchmark of the runtime monitor (issue 7):
//  1. CPU cost of one /proc cross-check cycle, with the server plus N warm workers (N = 0, 2, 8),
//     unchanged (cache hit, no table read) and changed (tables re-read), and what that costs per
//     second at the default 5 s interval, as a fraction of one core. Ratios against N = 0.
//  2. Latency from an attempt in a worker (tripwire in the child, reported over IPC) to its row
//     in the database and to its SSE event, p50/p95.
// Everything is loopback; the "attempts" target a local canary port that the tripwire blocks.
//   node dist/bench/monitor.js [--cycles 300] [--attempts 200]
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/index.js';
import { startServer } from '../src/server/index.js';
import { createMonitor, startTimeOf, ProcScanner, type Monitor } from '../src/isolation/monitor/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const { values } = parseArgs({ options: { cycles: { type: 'string', default: '300' }, attempts: { type: 'string', default: '200' } } });
const CYCLES = Number(values.cycles);
const ATTEMPTS = Number(values.attempts);
const DEFAULT_INTERVAL_S = 5;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

async function startWorkers(n: number): Promise<ChildProcess[]> {
  const register = join(root, 'dist', 'src', 'isolation', 'tripwire', 'register.js');
  const out: ChildProcess[] = [];
  for (let i = 0; i < n; i++) {
    const c = spawn(process.execPath, ['--import', register, join(here, 'monitor-worker.js')], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    await once(c, 'message');
    out.push(c);
  }
  return out;
}

async function stopWorkers(ws: ChildProcess[]): Promise<void> {
  await Promise.all(ws.map(async (w) => { if (w.exitCode === null) { w.kill('SIGKILL'); await once(w, 'exit'); } }));
}

/** CPU microseconds (user+system) and wall ms per cycle, median over CYCLES. */
function measure(scan: () => unknown): { cpuUs: number; wallMs: number } {
  for (let i = 0; i < 20; i++) scan(); // warm-up
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < CYCLES; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    scan();
    const t1 = process.hrtime.bigint();
    const c1 = process.cpuUsage(c0);
    cpu.push(c1.user + c1.system);
    wall.push(Number(t1 - t0) / 1e6);
  }
  return { cpuUs: pct(cpu, 50), wallMs: pct(wall, 50) };
}

async function crossCheckCost(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hermetic-bench-monitor-'));
  const config = loadConfig({ env: {}, flags: { dataDir, port: 0, logLevel: 'silent' } });
  const server = await startServer(config, { runtimeFile: false });
  const port = server.ctx.bind!.port;
  console.log(`\n## /proc cross-check cost (server: this process, ${CYCLES} cycles each, median)`);
  console.log('| workers | registered (pruned) | state | CPU µs/cycle | wall ms/cycle | CPU at 5 s interval (% of one core) | ratio vs N=0 |');
  console.log('|---|---|---|---|---|---|---|');
  const base: Record<string, number> = {};
  try {
    for (const n of [0, 2, 8]) {
      const workers = await startWorkers(n);
      try {
        for (const registered of n === 0 ? [true] : [true, false]) {
          const pruned = new Set(registered ? workers.map((w) => w.pid!) : []);
          const scanner = new ProcScanner({ listenPorts: [port], prune: (pid) => pruned.has(pid) });
          const unchanged = measure(() => scanner.scan());
          // "Changed": a fresh scanner each cycle has nothing cached, so every table is read.
          const changed = measure(() => new ProcScanner({ listenPorts: [port], prune: (pid) => pruned.has(pid) }).scan());
          for (const [state, r] of [['unchanged', unchanged], ['changed', changed]] as const) {
            const key = state;
            if (n === 0) base[key] = r.cpuUs;
            const core = (r.cpuUs / 1e6) / DEFAULT_INTERVAL_S * 100;
            console.log(`| ${n} | ${n === 0 ? '-' : registered ? 'yes' : 'no'} | ${state} | ${r.cpuUs.toFixed(0)} | ${r.wallMs.toFixed(3)} | ${core.toFixed(4)} % | ${(r.cpuUs / (base[key] ?? r.cpuUs)).toFixed(2)} |`);
          }
        }
      } finally {
        await stopWorkers(workers);
      }
    }
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

interface SseClient { close(): void; onEvent(fn: (id: number) => void): void }

function openSse(url: string, token: string): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const listeners: ((id: number) => void)[] = [];
    const req = request(`${url}api/security/events/stream`, { headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.setEncoding('utf8');
      let buf = '';
      res.on('data', (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const m = /^id: (\d+)$/m.exec(buf.slice(0, i));
          buf = buf.slice(i + 2);
          if (m) for (const l of listeners) l(Number(m[1]));
        }
      });
      resolve({ close: () => req.destroy(), onEvent: (fn) => listeners.push(fn) });
    });
    req.on('error', reject);
    req.end();
  });
}

async function attemptLatency(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hermetic-bench-monitor-'));
  // Flood protection off for this measurement: every attempt must become its own row.
  const config = loadConfig({ env: {}, flags: { dataDir, port: 0, logLevel: 'silent', monitorIntervalMs: 60_000 } });
  let monitor: Monitor | null = null;
  const server = await startServer(config, {
    runtimeFile: false,
    store: { maxRowsPerSecond: 100_000, burstRows: 100_000, aggregationWindowMs: 1 },
    setup: (ctx) => {
      monitor = createMonitor({ config, store: ctx.store, scanRules: () => ({ ...(ctx.bind ? { listenPorts: [ctx.bind.port], allowLoopbackPorts: [ctx.bind.port] } : {}) }) });
      monitor.start();
      ctx.monitor = monitor;
      return () => monitor?.stop();
    },
  });
  const target = createServer(() => {});
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
  const targetPort = (target.address() as AddressInfo).port;
  const [worker] = await startWorkers(1);
  const w = worker!;
  const m = monitor! as Monitor;
  m.watch({ pid: w.pid!, startTime: startTimeOf(w.pid!) ?? 0, role: 'worker', terminate: () => {} });
  m.attachChild(w);
  const sse = await openSse(server.url, server.ctx.token);
  await new Promise((r) => setTimeout(r, 100));

  const toRow: number[] = [];
  const toSse: number[] = [];
  let pending: { t0: number; rowId: number | null; resolve: () => void } | null = null;
  const unsub = server.ctx.store.onRecorded((ev, change) => {
    if (pending && change === 'inserted' && ev.type === 'network_attempt') { toRow.push(performance.now() - pending.t0); pending.rowId = ev.id; }
  });
  sse.onEvent((id) => {
    if (pending && id === pending.rowId) { toSse.push(performance.now() - pending.t0); const p = pending; pending = null; p.resolve(); }
  });
  try {
    for (let i = 0; i < ATTEMPTS; i++) {
      await new Promise<void>((resolve) => {
        pending = { t0: performance.now(), rowId: null, resolve };
        w.send({ attempt: targetPort });
      });
    }
  } finally {
    unsub();
    sse.close();
    await stopWorkers([w]);
    target.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  console.log(`\n## Attempt → DB row → SSE event (${ATTEMPTS} attempts; tripwire in a child Node process, IPC to the server's monitor)`);
  console.log('Measured from the server sending the command to the worker, so it includes that IPC hop.');
  console.log('| path | p50 ms | p95 ms | ratio p95/p50 |');
  console.log('|---|---|---|---|');
  console.log(`| command → row committed (synchronous=FULL) | ${pct(toRow, 50).toFixed(3)} | ${pct(toRow, 95).toFixed(3)} | ${(pct(toRow, 95) / pct(toRow, 50)).toFixed(2)} |`);
  console.log(`| command → SSE event received | ${pct(toSse, 50).toFixed(3)} | ${pct(toSse, 95).toFixed(3)} | ${(pct(toSse, 95) / pct(toSse, 50)).toFixed(2)} |`);
  console.log(`| SSE delivery after the row (p50 difference) | ${(pct(toSse, 50) - pct(toRow, 50)).toFixed(3)} | | |`);
}

console.log(`# bench/monitor — Node ${process.version}, ${process.platform}`);
await crossCheckCost();
await attemptLatency();
