// Benchmark: the whole start-up verification (every check, including the jailed canary) as a
// multiple of a bare `node -e 0` start, both measured in this run. Goal: <= 3x.
//
//   node dist/bench/verify.js [--runs N]
//
// Each run starts a fresh `hermetic verify --json` process (so the jail probe is not cached,
// exactly as at server start-up) and reads the report's own durationMs; the process wall time
// is printed too. Re-executes itself in a fresh offline network namespace when it can, so the
// canary's attempts have nowhere to go even if a layer were broken.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'src', 'cli', 'main.js');
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7;

if (process.env.HERMETIC_BENCH_IN_NETNS !== '1' && process.platform === 'linux') {
  const ns = process.getuid?.() === 0 ? ['--net'] : ['--net', '--map-root-user'];
  const r = spawnSync('unshare', [...ns, '--', 'sh', '-c', 'ip link set lo up 2>/dev/null; exec "$@"', 'sh', process.execPath, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    { stdio: 'inherit', env: { ...process.env, HERMETIC_BENCH_IN_NETNS: '1' } });
  if (!r.error && r.status !== null) process.exit(r.status);
  console.log('(no offline namespace available; measuring in the host namespace)');
}

function wall(args: string[]): { ms: number; stdout: string; stderr: string; status: number | null } {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, HERMETIC_DATA_DIR: '/nonexistent/hermetic-bench' } });
  return { ms: performance.now() - t, stdout: r.stdout, stderr: r.stderr, status: r.status };
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] ?? NaN; };

const bare: number[] = [];
const verifyMs: number[] = [];
const verifyWall: number[] = [];
const canaryMs: number[] = [];
let level = '';
for (let i = 0; i < runs; i++) {
  bare.push(wall(['-e', '0']).ms);
  const v = wall([cli, 'verify', '--json']);
  if (v.status !== 0 && !v.stdout) throw new Error(`hermetic verify failed (exit ${v.status}): ${v.stderr}`);
  const report = JSON.parse(v.stdout) as { durationMs: number; verdict: { level: string }; checks: { id: string; ms: number }[] };
  verifyMs.push(report.durationMs);
  verifyWall.push(v.ms);
  canaryMs.push(report.checks.find((c) => c.id === 'jail.canary')?.ms ?? NaN);
  level = report.verdict.level;
}
const b = median(bare);
console.log(`runs: ${runs} (medians; Node ${process.version}; level measured: ${level})`);
console.log(`bare \`node -e 0\` start:                 ${b.toFixed(0)} ms   (baseline 1.00x)`);
console.log(`verification (all checks, canary incl.): ${median(verifyMs).toFixed(0)} ms   ${(median(verifyMs) / b).toFixed(2)}x   (goal <= 3x)`);
console.log(`  of which jail.canary:                  ${median(canaryMs).toFixed(0)} ms   ${(median(canaryMs) / b).toFixed(2)}x`);
console.log(`whole \`hermetic verify\` process:        ${median(verifyWall).toFixed(0)} ms   ${(median(verifyWall) / b).toFixed(2)}x`);
