// Benchmark: the security-event store's durable insert (WAL, synchronous=FULL) — throughput,
// p50 and p99 per record() — against the floor of any durable write on this disk, measured in
// the same process: a 200-byte append followed by fdatasync().
//
//   node dist/bench/events.js [--events N] [--rounds R]
//
// Rounds alternate store and floor so that a noisy neighbour hits both alike. Every event is
// distinct (no aggregation) and the flood bucket is opened wide: this measures the write path,
// not the flood protection.
import { mkdtempSync, openSync, writeSync, fdatasyncSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEventStore as createEventStore } from '../src/events/index.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const events = arg('--events', 2000);
const rounds = arg('--rounds', 3);

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))] ?? NaN;
};

function storeRound(): { perOp: number[]; wallMs: number; driver: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hermetic-bench-events-'));
  const store = createEventStore({ dataDir: dir, maxRowsPerSecond: 1e9, burstRows: 1e9 });
  const perOp: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < events; i++) {
    const t = performance.now();
    store.record({
      type: 'network_attempt', severity: 'warning',
      details: { api: 'net.connect', host: '192.0.2.1', port: 443, package: `pkg-${i}`, pid: 1000 + i },
    });
    perOp.push(performance.now() - t);
  }
  const wallMs = performance.now() - t0;
  const driver = store.driver;
  store.close();
  rmSync(dir, { recursive: true, force: true });
  return { perOp, wallMs, driver };
}

function floorRound(): { perOp: number[]; wallMs: number } {
  const dir = mkdtempSync(join(tmpdir(), 'hermetic-bench-fsync-'));
  const fd = openSync(join(dir, 'log'), 'a');
  const line = Buffer.from(`${'x'.repeat(199)}\n`);
  const perOp: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < events; i++) {
    const t = performance.now();
    writeSync(fd, line);
    fdatasyncSync(fd);
    perOp.push(performance.now() - t);
  }
  const wallMs = performance.now() - t0;
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
  return { perOp, wallMs };
}

const storeOps: number[] = [];
const floorOps: number[] = [];
let storeWall = 0;
let floorWall = 0;
let driver = '';
for (let r = 0; r < rounds; r++) {
  const s = storeRound();
  const f = floorRound();
  storeOps.push(...s.perOp); storeWall += s.wallMs; driver = s.driver;
  floorOps.push(...f.perOp); floorWall += f.wallMs;
}
const n = events * rounds;
const storeRate = n / (storeWall / 1000);
const floorRate = n / (floorWall / 1000);
console.log(`events store, ${events} distinct events x ${rounds} rounds; driver ${driver}; Node ${process.version}`);
console.log(`store record():      ${storeRate.toFixed(0)} events/s   p50 ${pct(storeOps, 50).toFixed(3)} ms   p99 ${pct(storeOps, 99).toFixed(3)} ms`);
console.log(`floor append+fsync:  ${floorRate.toFixed(0)} writes/s   p50 ${pct(floorOps, 50).toFixed(3)} ms   p99 ${pct(floorOps, 99).toFixed(3)} ms`);
console.log(`ratio store/floor:   throughput ${(storeRate / floorRate).toFixed(2)}x   p99 ${(pct(storeOps, 99) / pct(floorOps, 99)).toFixed(2)}x`);
