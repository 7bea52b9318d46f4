// Jail benchmarks (run: npx tsc -p tsconfig.json && node dist/bench/jail.js [rounds]).
// 1. Start-up: wall time of `node -e 0` plain, under the jail (all layers / no namespaces), and
//    under `bwrap --unshare-all --die-with-parent` — measured in the same run, printed as ratios.
//    Also the helper alone (`true`), and the spawn() API path the worker pool really uses.
// 2. Cost per call: a refused attempt reported by the supervisor (named: program, parents,
//    destination) against the in-kernel refusal, with and without the namespace layer (where the
//    supervisor also inspects the socket object); and what observing costs a sendmsg it lets
//    through (Node's IPC with a handle), in microseconds.
// The jail's start-up includes its PID namespace (its init forks the command): the
// "all layers" series is what every jailed worker pays.
//
// How to read it on a shared, noisy machine: every round runs each series once, in a fresh
// random order (a fixed order lets periodic load hit one series more than another); medians
// are printed with the median of the per-round differences against the plain series and a
// bootstrap 95% interval for it — an interval that contains 0 means "no measurable
// difference at this noise level". CPU time per run (user+sys of the whole tree, from the
// kernel's accounting of reaped children) does not depend on how loaded the machine is.
// Every series gets the environment a jailed child really gets (jailEnv): the host's may
// carry variables such as NODE_EXTRA_CA_CERTS that cost tens of ms per Node start and would
// pad the baseline, making any overhead look smaller than it is.
import { spawn as cpSpawn, spawnSync } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { helperBuilt, helperPath, jailEnv, probe, spawn as jailSpawn } from '../src/isolation/jail/index.js';

const rounds = Number(process.argv[2] ?? 30);
const node = process.execPath;
const env = jailEnv(process.env);
// The helper's report/control channel (fd 3): /dev/null read-write, so a read sees EOF. (stdio
// 'ignore' leaves fds above 2 closed, and the helper refuses a --report-fd that is not open.)
const devnull = openSync('/dev/null', 'r+');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}
function shuffled<T>(xs: T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) { const j = Math.floor(Math.random() * (i + 1)); [a[i], a[j]] = [a[j] as T, a[i] as T]; }
  return a;
}
/** Median of the paired differences and its bootstrap 95% interval. */
function pairedDiff(a: number[], b: number[]): { med: number; lo: number; hi: number } {
  const n = Math.min(a.length, b.length);
  const d = Array.from({ length: n }, (_, i) => (a[i] as number) - (b[i] as number));
  const meds: number[] = [];
  for (let k = 0; k < 400; k++) meds.push(median(Array.from({ length: n }, () => d[Math.floor(Math.random() * n)] as number)));
  meds.sort((x, y) => x - y);
  return { med: median(d), lo: meds[10] ?? NaN, hi: meds[389] ?? NaN };
}

const clkTck = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;
/** CPU time (ms) of every child this process has reaped so far: /proc/self/stat cutime + cstime. */
function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(rest[13]) || 0) + (Number(rest[14]) || 0)) * 1000 / clkTck;
}

interface Series { label: string; cmd: string; args: string[]; wall: number[]; cpuTotal: number; ok: boolean; cpuNote?: string }
function series(label: string, cmd: string, args: string[], cpuNote?: string): Series {
  return { label, cmd, args, wall: [], cpuTotal: 0, ok: true, cpuNote };
}
function runOnce(s: Series): number | null {
  const c0 = childrenCpuMs();
  const t0 = performance.now();
  const r = spawnSync(s.cmd, s.args, { stdio: ['ignore', 'ignore', 'ignore', devnull], env });
  const t = performance.now() - t0;
  if (r.error || r.status !== 0) return null;
  s.cpuTotal += childrenCpuMs() - c0;
  return t;
}
/** Randomized interleaving; a series that fails its first run is reported unavailable. */
function benchRounds(all: Series[], n: number): Series[] {
  const live = all.filter((s) => {
    s.ok = runOnce(s) !== null;
    s.cpuTotal = 0;
    if (!s.ok) console.log(`${s.label.padEnd(44)} unavailable (${s.cmd} failed)`);
    return s.ok;
  });
  for (let i = 0; i < n; i++) {
    // A series that fails mid-way is dropped from the round-wise pairing (NaN marks it).
    for (const s of shuffled(live)) s.wall.push(runOnce(s) ?? NaN);
  }
  const base = live[0];
  for (const s of live) {
    const ok = s.wall.filter((x) => !Number.isNaN(x));
    const cpu = s.cpuNote ? s.cpuNote : `cpu ${(s.cpuTotal / Math.max(1, ok.length)).toFixed(1)} ms`;
    let line = `${s.label.padEnd(44)} median ${median(ok).toFixed(1).padStart(6)} ms  ${cpu}`;
    if (base && s !== base) {
      const pairs = s.wall.map((x, i) => [x, base.wall[i] as number] as const).filter(([x, y]) => !Number.isNaN(x) && !Number.isNaN(y));
      const d = pairedDiff(pairs.map((p) => p[0]), pairs.map((p) => p[1]));
      line += `  vs plain ${d.med >= 0 ? '+' : ''}${d.med.toFixed(1)} ms (95% CI ${d.lo.toFixed(1)}..${d.hi.toFixed(1)})`;
    }
    console.log(line);
  }
  return live;
}
const med = (s: Series | undefined): number | null => {
  const ok = s?.ok ? s.wall.filter((x) => !Number.isNaN(x)) : [];
  return ok.length ? median(ok) : null;
};

if (!helperBuilt()) { console.log('jail helper not built: nothing to measure'); process.exit(1); }
const jailArgs = ['--report-fd', '3', '--'];
const noNs = ['--no-namespace', '--no-mountns'];
const bwrapArgs = ['--unshare-all', '--die-with-parent', '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc'];
// bwrap's pid-namespace init does not pass its child's usage on, so its CPU figure would be bwrap alone.
const bwrapCpu = 'cpu n/a (not accounted)';

const caps = probe({ nodePath: node });
console.log(`# start-up overhead (${node} ${process.version}; ${rounds} rounds, random order; env = jailEnv; PID namespace: ${caps.layers.namespace.detail?.['pidNamespace'] === true ? 'yes' : 'no'})`);
const S: Series[] = [
  series('node -e 0 (plain)', node, ['-e', '0']),
  series('node -e 0 (jail, all layers)', helperPath, [...jailArgs, node, '-e', '0']),
  series('node -e 0 (jail, no namespaces)', helperPath, [...noNs, ...jailArgs, node, '-e', '0']),
  series('node -e 0 (bwrap --unshare-all)', 'bwrap', [...bwrapArgs, node, '-e', '0'], bwrapCpu),
];
benchRounds(S, rounds);
const [plain, jailed, light, bwrap] = S.map(med);
if (plain && jailed) console.log(`ratio jail/plain: ${(jailed / plain).toFixed(3)}x (goal <= 1.1x)`);
if (plain && light) console.log(`ratio jail-without-namespaces/plain: ${(light / plain).toFixed(3)}x`);
if (bwrap && jailed) console.log(`ratio jail/bwrap: ${(jailed / bwrap).toFixed(3)}x (goal <= 1.0x)`);

console.log('# the helper alone: `true` (what the jail itself costs, without Node)');
const T: Series[] = [
  series('true (plain)', 'true', []),
  series('true (jail, all layers)', helperPath, [...jailArgs, 'true']),
  series('true (jail, no namespaces)', helperPath, [...noNs, ...jailArgs, 'true']),
  series('true (bwrap --unshare-all)', 'bwrap', [...bwrapArgs, 'true'], bwrapCpu),
];
benchRounds(T, rounds * 3);

console.log('# the spawn() API (what the worker pool uses): await exit of `node -e 0`');
{
  probe({ nodePath: node }); // the one-off, cached capability probe is not part of a spawn
  const run = async (f: () => Promise<unknown>): Promise<number> => { const t0 = performance.now(); await f(); return performance.now() - t0; };
  const plainSpawn = (): Promise<unknown> => new Promise((resolve) => { const c = cpSpawn(node, ['-e', '0'], { env, stdio: 'ignore' }); c.once('exit', resolve); c.once('error', resolve); });
  const viaJail = async (disable: ('namespace' | 'mountns')[]): Promise<unknown> => (await jailSpawn(node, ['-e', '0'], { stdio: 'ignore', disable })).exited;
  const A: [string, () => Promise<unknown>, number[]][] = [
    ['child_process.spawn (plain)', plainSpawn, []],
    ['jail.spawn (all layers)', () => viaJail([]), []],
    ['jail.spawn (no namespaces)', () => viaJail(['namespace', 'mountns']), []],
  ];
  for (let i = 0; i < rounds; i++) for (const a of shuffled(A)) a[2].push(await run(a[1]));
  const base = A[0]?.[2] ?? [];
  for (const [label, , xs] of A) {
    let line = `${label.padEnd(44)} median ${median(xs).toFixed(1).padStart(6)} ms`;
    if (xs !== base) { const d = pairedDiff(xs, base); line += `  vs plain ${d.med >= 0 ? '+' : ''}${d.med.toFixed(1)} ms (95% CI ${d.lo.toFixed(1)}..${d.hi.toFixed(1)})`; }
    console.log(line);
  }
}

// Each loop runs N calls of one kind in one python3 process under one configuration and prints
// microseconds per call. Nothing here can reach a network: the refused calls are refused, the
// unix connect aims at a path that does not exist, the sendmsg goes to a socketpair.
console.log('# per call: refused and reported attempts, and what observing costs a call it lets through');
const N = 20000;
const LOOPS: Record<string, string> = {
  // socket(AF_NETLINK): refused at socket() in every mode (no destination to read).
  'socket(AF_NETLINK)': `import ctypes, time
libc = ctypes.CDLL(None, use_errno=True)
t = time.perf_counter()
for _ in range(${N}):
    fd = libc.socket(16, 3, 0)
    if fd >= 0: libc.close(fd)
print((time.perf_counter() - t) / ${N} * 1e6)`,
  // connect() to a unix path: refused and reported with the path; with the namespace layer the
  // supervisor also inspects the socket object (pidfd_getfd) — the most expensive report.
  'connect(AF_UNIX path)': `import ctypes, socket, struct, time
libc = ctypes.CDLL(None, use_errno=True)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
path = b"/nonexistent/hermetic-bench.sock"
addr = struct.pack("H", socket.AF_UNIX) + path + b"\\0" * (108 - len(path))
buf = ctypes.create_string_buffer(addr, len(addr))
t = time.perf_counter()
for _ in range(${N}): libc.connect(s.fileno(), buf, len(addr))
print((time.perf_counter() - t) / ${N} * 1e6)`,
  // sendmsg on a socketpair (what Node's IPC does when it passes a handle): with the namespace
  // layer it is observed and continued; without it, it is not watched at all.
  'sendmsg(socketpair), let through': `import socket, time
a, b = socket.socketpair()
t = time.perf_counter()
for _ in range(${N}):
    a.sendmsg([b"x"]); b.recv(1)
print((time.perf_counter() - t) / ${N} * 1e6)`,
};
const CONFIGS: [string, string[]][] = [
  ['no jail (the real calls)', ['--no-seccomp', '--no-landlock', '--no-namespace', '--no-mountns']],
  ['seccomp in-kernel EPERM (no report)', ['--no-report']],
  ['reported, no namespace', ['--no-namespace', '--no-mountns']],
  ['reported, namespace (observe)', []],
];
function perCall(args: string[], code: string): number | null {
  const r = spawnSync(helperPath, [...args, '--report-fd', '3', '--', 'python3', '-c', code], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit', devnull] });
  const v = Number(r.stdout.trim());
  return r.status === 0 && Number.isFinite(v) ? v : null;
}
const fmt = (x: number | null): string => (x === null ? 'n/a' : `${x.toFixed(2)} µs`);
for (const [what, code] of Object.entries(LOOPS)) {
  const res = CONFIGS.map(([label, args]) => [label, perCall(args, code)] as const);
  for (const [label, v] of res) console.log(`${what.padEnd(34)} ${label.padEnd(38)} ${fmt(v)}`);
  const silent = res[1]?.[1] ?? null; const plain = res[0]?.[1] ?? null;
  for (const [label, v] of res.slice(2)) {
    const ref = what.includes('let through') ? plain : silent;
    if (v !== null && ref !== null) console.log(`  -> ${label}: ${(v - ref).toFixed(2)} µs per call over ${what.includes('let through') ? 'no jail' : 'the in-kernel refusal'} (${(v / ref).toFixed(1)}x)`);
  }
}
