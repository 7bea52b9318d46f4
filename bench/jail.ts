// Jail benchmarks (run: npx tsc -p tsconfig.json && node dist/bench/jail.js [runs]).
// 1. Start-up: median wall time of `node -e 0` plain, under the jail (all layers), and under
//    `bwrap --unshare-all --die-with-parent` — measured in the same run, printed as ratios.
// 2. Cost of one blocked attempt (socket(AF_INET) -> EPERM) with the reporting supervisor
//    (seccomp user notification) and without it (in-kernel EPERM), in microseconds.
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { helperPath, helperBuilt } from '../src/isolation/jail/index.js';

const runs = Number(process.argv[2] ?? 30);
const node = process.execPath;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}
function time(cmd: string, args: string[]): number | null {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  if (r.error || r.status !== 0) return null;
  return performance.now() - t0;
}
interface Series { label: string; cmd: string; args: string[]; xs: number[] }
/** Interleaved (plain, jail, bwrap, plain, ...) so load from other processes hits every series alike. */
function benchInterleaved(series: Series[]): void {
  const live = series.filter((s) => {
    const ok = time(s.cmd, s.args) !== null;
    if (!ok) console.log(`${s.label.padEnd(40)} unavailable (${s.cmd} failed)`);
    return ok;
  });
  for (let i = 0; i < runs; i++) for (const s of live) { const t = time(s.cmd, s.args); if (t !== null) s.xs.push(t); }
  for (const s of live) console.log(`${s.label.padEnd(40)} median ${median(s.xs).toFixed(1)} ms over ${s.xs.length} runs`);
}

if (!helperBuilt()) { console.log('jail helper not built: nothing to measure'); process.exit(1); }
console.log(`# start-up overhead (${node} ${process.version})`);
const S: Series[] = [
  { label: 'node -e 0 (plain)', cmd: node, args: ['-e', '0'], xs: [] },
  { label: 'node -e 0 (jail, all layers)', cmd: helperPath, args: ['--report-fd', '2', '--', node, '-e', '0'], xs: [] },
  { label: 'node -e 0 (jail, no namespaces)', cmd: helperPath, args: ['--no-namespace', '--no-mountns', '--report-fd', '2', '--', node, '-e', '0'], xs: [] },
  { label: 'node -e 0 (bwrap --unshare-all)', cmd: 'bwrap', args: ['--unshare-all', '--die-with-parent', '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', node, '-e', '0'], xs: [] },
];
benchInterleaved(S);
const m = (i: number): number | null => { const xs = S[i]?.xs ?? []; return xs.length ? median(xs) : null; };
const [plain, jailed, light, bwrap] = [m(0), m(1), m(2), m(3)];
if (plain && jailed) console.log(`ratio jail/plain: ${(jailed / plain).toFixed(3)}x (goal <= 1.1x)`);
if (plain && light) console.log(`ratio jail-without-namespaces/plain: ${(light / plain).toFixed(3)}x`);
if (bwrap && jailed) console.log(`ratio jail/bwrap: ${(jailed / bwrap).toFixed(3)}x (goal <= 1.0x)`);

console.log('# per blocked attempt: socket(AF_INET, SOCK_DGRAM) in a tight loop');
const N = 20000;
const loop = `import ctypes, time\nlibc = ctypes.CDLL(None, use_errno=True)\nt=time.perf_counter()\nfor _ in range(${N}): libc.socket(2, 2, 0)\nprint((time.perf_counter()-t)/${N}*1e6)`;
function perAttempt(args: string[]): number | null {
  const r = spawnSync(helperPath, [...args, '--report-fd', '3', '--', 'python3', '-c', loop], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit', 'ignore'] });
  return r.status === 0 ? Number(r.stdout.trim()) : null;
}
const base = perAttempt(['--no-seccomp', '--no-landlock', '--no-namespace', '--no-mountns']);
const silent = perAttempt(['--no-report']);
const reported = perAttempt([]);
const fmt = (x: number | null) => (x === null ? 'n/a' : `${x.toFixed(2)} µs`);
console.log(`no jail (real socket() calls)          ${fmt(base)}`);
console.log(`seccomp in-kernel EPERM (no report)    ${fmt(silent)}`);
console.log(`seccomp + supervisor report           ${fmt(reported)}`);
if (silent && reported) console.log(`reporting costs ${(reported - silent).toFixed(2)} µs per blocked attempt (${(reported / silent).toFixed(1)}x)`);
