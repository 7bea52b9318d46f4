// Benchmark: what the tripwire costs.
//  1. The hot path: loopback requests/s served by Hermetic's API (bench/server-target.js full,
//     every plugin on) started with `--import register.js` vs without, alternating in the same
//     run; plus the server's CPU µs per request (steadier when other work shares the cores).
//     Goal: ≥ 0.98×.
//  2. Module load: time to import the converter dependencies in a fresh Node with the tripwire
//     preloaded (resolve hook on) vs without, alternating, medians. Goal: ≤ 1.05×. Then, per
//     converter dependency, the CPU time of a fresh process importing just it, with vs without.
// The whole run re-executes itself inside a fresh network namespace (only `lo`) when the machine
// allows one, so nothing it starts can reach past loopback.
//   npx tsc -p tsconfig.json && node dist/bench/tripwire.js [--duration S] [--rounds N] [--loads N]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const register = join(root, 'dist', 'src', 'isolation', 'tripwire', 'register.js');
const { values } = parseArgs({ options: {
  duration: { type: 'string', default: '4' }, rounds: { type: 'string', default: '3' },
  loads: { type: 'string', default: '7' }, connections: { type: 'string', default: '10' },
} });
const duration = Number(values.duration);
const rounds = Number(values.rounds);
const loads = Number(values.loads);
const connections = Number(values.connections);

if (process.platform === 'linux' && process.env.HERMETIC_BENCH_NETNS !== '1') {
  const ns = process.getuid?.() === 0 ? ['--net'] : ['--net', '--map-root-user'];
  const probe = spawnSync('unshare', [...ns, 'sh', '-c', 'ip link set lo up'], { stdio: 'pipe' });
  if (!probe.error && probe.status === 0) {
    const r = spawnSync('unshare', [...ns, '--', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh', process.execPath, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
      { stdio: 'inherit', env: { ...process.env, HERMETIC_BENCH_NETNS: '1' } });
    process.exit(r.status ?? 1);
  }
  console.log('» note: no network namespace available; running in the host namespace (loopback only)');
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] as number; };
const preload = (on: boolean) => (on ? ['--import', register] : []);

function cpuMs(pid: number): number | null {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime+stime, USER_HZ = 100
  } catch { return null; }
}

type Target = 'full' | 'bare';

async function startServer(target: Target, tripwire: boolean): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [...preload(tripwire), join(here, 'server-target.js'), target], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => { out += d.toString(); const m = /"port":(\d+)/.exec(out); if (m) resolve(Number(m[1])); });
    child.on('exit', (c) => reject(new Error(`server target exited ${c}`)));
  });
  return { child, port };
}

async function serve(target: Target, tripwire: boolean): Promise<{ rps: number; cpuUs: number | null }> {
  const t = await startServer(target, tripwire);
  try {
    const url = `http://127.0.0.1:${t.port}/api/health`;
    await autocannon({ url, connections, duration: 1 }); // warm-up
    const c0 = cpuMs(t.child.pid ?? 0);
    const r = await autocannon({ url, connections, duration });
    const c1 = cpuMs(t.child.pid ?? 0);
    if (r.non2xx || r.errors) throw new Error(`${tripwire ? 'with' : 'without'} tripwire: ${r.non2xx} non-2xx, ${r.errors} errors`);
    return { rps: r.requests.average, cpuUs: c0 !== null && c1 !== null && r.requests.total ? ((c1 - c0) * 1000) / r.requests.total : null };
  } finally {
    t.child.kill('SIGTERM');
  }
}

/** The converter dependencies, imported the way src/convert loads them. */
const CONVERTER_DEPS = ['sharp', 'mammoth', 'exceljs', 'pdf-lib', 'pdfjs-dist/legacy/build/pdf.mjs', 'markdown-it', 'turndown', 'papaparse', 'yaml', 'smol-toml', 'file-type', 'tesseract.js', 'yazl', 'yauzl'];
const LOADER = `
const t0 = performance.now();
for (const m of ${JSON.stringify(CONVERTER_DEPS)}) await import(m);
console.log(JSON.stringify({ importMs: performance.now() - t0, sinceStartMs: performance.now() }));`;

function loadOnce(tripwire: boolean): { importMs: number; sinceStartMs: number; wallMs: number } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [...preload(tripwire), '--input-type=module', '-e', LOADER], { cwd: root, encoding: 'utf8' });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`module load (${tripwire ? 'with' : 'without'} tripwire) failed: ${r.stderr}`);
  return { ...(JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { importMs: number; sinceStartMs: number }), wallMs };
}

const fmt = (n: number, d = 0) => n.toFixed(d);
console.log(`» tripwire bench on Node ${process.version}: ${rounds} rounds × ${duration}s, ${connections} connections; ${loads} module loads each way`);

// `full` is Hermetic's app (its monitor and verifier may behave differently when they see the
// tripwire installed); `bare` is a plain Fastify route, i.e. the tripwire's own hot-path cost.
for (const target of ['full', 'bare'] as const) {
  const rps: Record<'off' | 'on', number[]> = { off: [], on: [] };
  const cpu: Record<'off' | 'on', number[]> = { off: [], on: [] };
  for (let i = 0; i < rounds; i++) {
    // Alternate the order so drift (other load on the machine) hits both sides alike.
    for (const on of i % 2 ? [true, false] : [false, true]) {
      const r = await serve(target, on);
      rps[on ? 'on' : 'off'].push(r.rps);
      if (r.cpuUs !== null) cpu[on ? 'on' : 'off'].push(r.cpuUs);
    }
  }
  const rpsRatio = median(rps.on) / median(rps.off);
  console.log(`[${target}] GET /api/health   without: ${fmt(median(rps.off))} req/s   with tripwire: ${fmt(median(rps.on))} req/s   ratio ${rpsRatio.toFixed(3)}× (goal ≥ 0.98×)  ${rpsRatio >= 0.98 ? 'MET' : 'NOT MET'}`);
  if (cpu.on.length && cpu.off.length) {
    const c = median(cpu.off) / median(cpu.on);
    console.log(`[${target}] server CPU per request without: ${fmt(median(cpu.off), 1)} µs   with: ${fmt(median(cpu.on), 1)} µs   throughput-equivalent ratio ${c.toFixed(3)}×`);
  }
  console.log(`[${target}]   per round req/s without: ${rps.off.map((x) => fmt(x)).join(', ')}   with: ${rps.on.map((x) => fmt(x)).join(', ')}`);
}

loadOnce(false); loadOnce(true); // warm the file cache
const lt: Record<'off' | 'on', { importMs: number; sinceStartMs: number; wallMs: number }[]> = { off: [], on: [] };
for (let i = 0; i < loads; i++) for (const on of i % 2 ? [true, false] : [false, true]) lt[on ? 'on' : 'off'].push(loadOnce(on));
const m = (side: 'off' | 'on', k: 'importMs' | 'sinceStartMs' | 'wallMs') => median(lt[side].map((x) => x[k]));
const importRatio = m('on', 'importMs') / m('off', 'importMs');
const wallRatio = m('on', 'wallMs') / m('off', 'wallMs');
console.log(`import ${CONVERTER_DEPS.length} converter deps   without: ${fmt(m('off', 'importMs'))} ms   with resolve hook: ${fmt(m('on', 'importMs'))} ms   ratio ${importRatio.toFixed(3)}× (goal ≤ 1.05×)  ${importRatio <= 1.05 ? 'MET' : 'NOT MET'}`);
console.log(`whole process (start + preload + imports)   without: ${fmt(m('off', 'wallMs'))} ms   with: ${fmt(m('on', 'wallMs'))} ms   ratio ${wallRatio.toFixed(3)}×`);

// Per converter dependency, CPU time of the whole process (start + preload + one import), which
// is what a warm worker pays and is steadier than wall time on a shared machine. "(none)" is the
// preload alone. Interleaved on/off per round, so drift hits both sides alike.
const PER_DEP = ['(none)', 'sharp', 'exceljs', 'mammoth', 'pdfjs-dist/legacy/build/pdf.mjs', 'tesseract.js', 'markdown-it'];
const cpuBody = (dep: string) => `${dep === '(none)' ? '' : `await import(${JSON.stringify(dep)});`} const u = process.cpuUsage(); console.log(JSON.stringify({ cpuMs: (u.user + u.system) / 1000 }));`;
function cpuOnce(dep: string, tripwire: boolean): number {
  const r = spawnSync(process.execPath, [...preload(tripwire), '--input-type=module', '-e', cpuBody(dep)], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`import ${dep} (${tripwire ? 'with' : 'without'} tripwire) failed: ${r.stderr}`);
  return (JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { cpuMs: number }).cpuMs;
}
const depCpu = new Map<string, Record<'off' | 'on', number[]>>(PER_DEP.map((d) => [d, { off: [], on: [] }]));
for (let i = 0; i < loads; i++) {
  for (const dep of PER_DEP) for (const on of i % 2 ? [true, false] : [false, true]) depCpu.get(dep)?.[on ? 'on' : 'off'].push(cpuOnce(dep, on));
}
console.log(`process CPU (start + preload + import), median of ${loads} each way:`);
for (const [dep, v] of depCpu) {
  const off = median(v.off); const on = median(v.on);
  console.log(`  ${dep.padEnd(34)} without: ${fmt(off).padStart(4)} ms   with: ${fmt(on).padStart(4)} ms   +${fmt(on - off)} ms   ratio ${(on / off).toFixed(3)}×`);
}
