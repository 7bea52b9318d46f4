// spawn()/probe() end to end on this machine: real helper, real kernel layers, real attempts.
// Each block asserts the exact code AND a positive control (the same call with the layer off,
// or a canary that must see nothing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, spawn as cpSpawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { startCanary } from '../../helpers/canary.js';
import { jailFixtures } from '../../helpers/jail-fixtures.js';
import { cliPath, isRoot, testNode } from '../../helpers/paths.js';
import { helperBuilt, helperPath, JailError, probe, readStartTime, spawn, type JailAttempt, type JailHandle, type LayerName } from '../../../src/isolation/jail/index.js';

const linux = process.platform === 'linux';
const ALL_KERNEL: LayerName[] = ['namespace', 'mountns', 'landlock', 'seccomp'];

/** Every live descendant of `pid` (host view), from /proc/PID/task/TID/children. */
function descendants(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[] = [];
  try { tasks = readdirSync(`/proc/${pid}/task`); } catch { return out; }
  for (const t of tasks) {
    let kids = '';
    try { kids = readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8'); } catch { continue; }
    for (const k of kids.split(/\s+/).filter(Boolean).map(Number)) out.push(k, ...descendants(k));
  }
  return out;
}
const cmdline = (pid: number): string => { try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim(); } catch { return ''; } };
const alive = (pid: number): boolean => { try { process.kill(pid, 0); return true; } catch { return false; } };
const namespaceInForce = (h: JailHandle): boolean => h.layers.some((l) => l.name === 'namespace' && l.inForce);

async function output(h: JailHandle): Promise<{ stdout: string; code: number | null; signal: NodeJS.Signals | null }> {
  let stdout = '';
  h.child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
  const e = await h.exited;
  return { stdout, ...e };
}

test('probe reports every layer with a reason, and is cached', { skip: !linux && 'Linux only', timeout: 30_000 }, () => {
  assert.ok(helperBuilt(), 'the helper must be built (npm run build:native)');
  const caps = probe();
  assert.equal(caps.helperBuilt, true);
  for (const l of [...ALL_KERNEL, 'node-permission'] as const) {
    assert.equal(typeof caps.layers[l].available, 'boolean', l);
    assert.ok(caps.layers[l].reason.length > 10, `${l} has a reason`);
  }
  assert.equal(typeof caps.layers.landlock.detail?.abi, 'number');
  assert.equal(probe(), caps, 'cached per process');
});

test('fault injection: the probe and spawn() both see the layer as refused; a requirement fails closed', { skip: !linux && 'Linux only', timeout: 30_000 }, async () => {
  const caps = probe({ fault: ['landlock'] });
  assert.equal(caps.layers.landlock.available, false);
  assert.match(caps.layers.landlock.reason, /fault injected/);
  const dir = mkdtempSync(join(tmpdir(), 'hermetic-jail-'));
  try {
    const marker = join(dir, 'ran');
    await assert.rejects(spawn('sh', ['-c', `touch ${marker}`], { allowWrite: [dir], require: ['landlock'], fault: ['landlock'] }),
      (e: unknown) => e instanceof JailError && e.code === 'JAIL_LAYER_UNAVAILABLE' && e.details.layer === 'landlock');
    assert.equal(existsSync(marker), false, 'nothing was started');
    // Positive control: without the fault the same spawn runs and lands the marker.
    if (probe().layers.landlock.available) {
      const h = await spawn('sh', ['-c', `touch ${marker}`], { allowWrite: [dir], require: ['landlock'] });
      assert.equal((await h.exited).code, 0);
      assert.equal(existsSync(marker), true);
    }
    // Not required: it runs, and the layer is honestly reported as not in force.
    const h2 = await spawn('true', [], { fault: ['landlock'] });
    const ll = h2.layers.find((l) => l.name === 'landlock');
    assert.equal(ll?.inForce, false);
    assert.match(ll?.reason ?? '', /fault injected/);
    await h2.exited;
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('HERMETIC_JAIL_FAULT reaches the helper too', { skip: !linux && 'Linux only', timeout: 30_000 }, () => {
  process.env.HERMETIC_JAIL_FAULT = 'seccomp';
  try {
    const caps = probe({ refresh: true });
    assert.equal(caps.layers.seccomp.available, false);
    assert.deepEqual(caps.faults, ['seccomp']);
  } finally { delete process.env.HERMETIC_JAIL_FAULT; }
});

test('a jailed Node worker talks to its parent over IPC; its connect is EPERM, reported, and the canary saw nothing', { skip: !linux && 'Linux only', timeout: 30_000 }, async () => {
  const canary = await startCanary();
  try {
    const script = `process.on('message', (m) => { const s = require('net').connect(m.port, m.host);
      s.on('connect', () => { s.destroy(); process.send({ code: 'CONNECTED' }); process.disconnect(); });
      s.on('error', (e) => { process.send({ code: e.code }); process.disconnect(); }); });`;
    const run = async (disable: LayerName[]) => {
      const h = await spawn(testNode, ['-e', script], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], disable: [...disable, 'node-permission'] });
      const reply = new Promise<{ code: string }>((r) => h.child.once('message', (m) => r(m as { code: string })));
      h.child.send({ host: canary.host, port: canary.tcpPort });
      const m = await reply;
      await h.exited;
      return { h, m };
    };
    const { h, m } = await run([]);
    assert.equal(m.code, 'EPERM');
    assert.equal(canary.hits, 0);
    assert.ok(h.layers.find((l) => l.name === 'seccomp')?.inForce);
    // Named: the process (not a thread), its executable, and — where the namespace lets IP
    // sockets exist — where it was going; without it the wall (and the report) is at socket().
    const exe = realpathSync(testNode);
    const seen = namespaceInForce(h)
      ? h.attempts.find((a) => a.syscall === 'connect' && a.destination === `${canary.host}:${canary.tcpPort}` && a.type === 'SOCK_STREAM')
      : h.attempts.find((a) => a.syscall === 'socket' && a.family === 'AF_INET' && a.type === 'SOCK_STREAM');
    assert.ok(seen, JSON.stringify(h.attempts));
    assert.equal(seen.pid, h.pid);
    assert.equal(seen.errno, 'EPERM');
    assert.equal(seen.exe, exe);
    assert.equal(seen.program, basename(exe));
    // Positive control: every kernel layer off, the same worker reaches the canary.
    const open = await run(ALL_KERNEL);
    assert.equal(open.m.code, 'CONNECTED');
    assert.equal(canary.tcpConnections, 1);
    assert.equal(open.h.attempts.length, 0);
  } finally { await canary.close(); }
});

test("'attempt' events carry the address of a blocked connect", { skip: !linux && 'Linux only', timeout: 30_000 }, async () => {
  const h = await spawn(testNode, ['-e', `require('net').connect({ path: '/tmp/hermetic-nonexistent.sock' }).on('error', (e) => console.log(e.code))`], { disable: ['node-permission'] });
  const seen: unknown[] = [];
  h.events.on('attempt', (a) => seen.push(a));
  const o = await output(h);
  assert.equal(o.stdout.trim(), 'EPERM');
  assert.ok(h.attempts.some((a) => a.syscall === 'connect' && a.family === 'AF_UNIX' && a.path === '/tmp/hermetic-nonexistent.sock'), JSON.stringify(h.attempts));
  assert.equal(seen.length, h.attempts.length, 'every attempt was emitted');
});

test('inherited descriptors are closed unless named', { skip: !linux && 'Linux only', timeout: 30_000 }, () => {
  // fds 3 and 4 exist in the helper; only --keep-fd 4 reaches the command.
  const list = (keep: string[]) => spawnSync(helperPath, [...keep, '--report-fd', '2', '--', 'sh', '-c', 'ls /proc/$$/fd'], { stdio: ['ignore', 'pipe', 'ignore', 'pipe', 'pipe'], encoding: 'utf8' }).stdout.split(/\s+/).filter(Boolean).sort();
  assert.deepEqual(list([]), ['0', '1', '2']);
  assert.deepEqual(list(['--keep-fd', '4']), ['0', '1', '2', '4']);
});

test('the environment is an allow-list: proxies and NODE_OPTIONS dropped, DO_NOT_TRACK set', { skip: !linux && 'Linux only', timeout: 30_000 }, async () => {
  process.env.HTTPS_PROXY = 'http://192.0.2.1:3128';
  process.env.SOME_SECRET = 'x';
  try {
    const h = await spawn('sh', ['-c', 'env'], { env: { NODE_OPTIONS: '--require /x', MY_FLAG: '1' } });
    const env = (await output(h)).stdout;
    assert.doesNotMatch(env, /HTTPS_PROXY|SOME_SECRET|NODE_OPTIONS/);
    assert.match(env, /^DO_NOT_TRACK=1$/m);
    assert.match(env, /^MY_FLAG=1$/m);
  } finally { delete process.env.HTTPS_PROXY; delete process.env.SOME_SECRET; }
});

test('exit codes pass through; a missing command is JAIL_EXEC_FAILED', { skip: !linux && 'Linux only', timeout: 30_000 }, async () => {
  const h = await spawn('sh', ['-c', 'exit 7']);
  assert.deepEqual(await h.exited, { code: 7, signal: null });
  await assert.rejects(spawn('/nonexistent/hermetic-cmd'), (e: unknown) => e instanceof JailError && e.code === 'JAIL_EXEC_FAILED');
});

/** The host pid of the jailed process running `sleep <tag>` (pids printed inside a PID namespace are the jail's own). */
async function findByCmdline(root: number, tag: string): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const pid = descendants(root).find((p) => cmdline(p) === `sleep ${tag}`);
    if (pid) return pid;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no 'sleep ${tag}' under ${root}`);
}

test('kill() takes down the whole tree, including a setsid grandchild; start time is exposed', { skip: !linux && 'Linux only', timeout: 30_000 }, async () => {
  const h = await spawn('sh', ['-c', 'setsid sleep 61.1 & exec sleep 60']);
  assert.equal(h.startTime, readStartTime(h.pid));
  assert.ok(h.startTime > 0);
  const grandchild = await findByCmdline(h.supervisorPid ?? 0, '61.1');
  assert.ok(alive(grandchild), 'grandchild alive before kill');
  h.kill('SIGKILL');
  const e = await h.exited;
  assert.equal(e.signal, 'SIGKILL');
  assert.throws(() => process.kill(grandchild, 0), { code: 'ESRCH' });
});

test('stragglers die with the command, and timeoutMs kills the tree', { skip: !linux && 'Linux only', timeout: 30_000 }, async () => {
  const h = await spawn('sh', ['-c', 'setsid sleep 62.1 & sleep 0.3']);
  const straggler = await findByCmdline(h.supervisorPid ?? 0, '62.1');
  assert.ok(alive(straggler), 'the straggler runs while the command does (positive control)');
  const o = await output(h);
  assert.equal(o.code, 0);
  assert.throws(() => process.kill(straggler, 0), { code: 'ESRCH' });
  const t = await spawn('sleep', ['30'], { timeoutMs: 200 });
  let timedOut = false;
  t.events.on('timeout', () => { timedOut = true; });
  assert.deepEqual(await t.exited, { code: null, signal: 'SIGKILL' });
  assert.ok(timedOut);
});

test('writes: allowed folder yes, elsewhere EACCES (Landlock); positive control with Landlock off', { skip: !linux && 'Linux only', timeout: 30_000 }, async () => {
  const allowed = mkdtempSync(join(tmpdir(), 'hermetic-allowed-'));
  const outside = mkdtempSync(join(tmpdir(), 'hermetic-outside-'));
  try {
    const script = (f: string) => `require('fs').writeFile(${JSON.stringify(f)}, 'x', (e) => console.log(e ? e.code : 'OK'))`;
    const w = async (f: string, disable: LayerName[] = []) => (await output(await spawn(testNode, ['-e', script(f)], { allowWrite: [allowed], disable: [...disable, 'node-permission'] }))).stdout.trim();
    assert.equal(await w(join(allowed, 'a')), 'OK');
    assert.equal(await w(join(outside, 'b')), 'EACCES');
    assert.equal(existsSync(join(outside, 'b')), false);
    assert.equal(await w(join(outside, 'c'), ['landlock']), 'OK');
  } finally { rmSync(allowed, { recursive: true, force: true }); rmSync(outside, { recursive: true, force: true }); }
});

test('node-permission layer (Node >= 25): JS network APIs get ERR_ACCESS_DENIED with every kernel layer off', { skip: !linux && 'Linux only', timeout: 30_000 }, async (t) => {
  const p = probe({ nodePath: testNode }).layers['node-permission'];
  if (!p.available) { t.skip(`this Node lacks it: ${p.reason}`); return; }
  const canary = await startCanary();
  try {
    const script = `const s = require('net').connect(${canary.tcpPort}, '127.0.0.1'); s.on('error', (e) => console.log(e.code)); s.on('connect', () => { console.log('CONNECTED'); s.destroy(); });
      process.on('uncaughtException', (e) => console.log(e.code));`;
    const h = await spawn(testNode, ['-e', script], { disable: ALL_KERNEL, require: ['node-permission'] });
    assert.ok(h.layers.find((l) => l.name === 'node-permission')?.inForce);
    assert.equal((await output(h)).stdout.trim(), 'ERR_ACCESS_DENIED');
    assert.equal(canary.hits, 0);
    const open = await spawn(testNode, ['-e', script], { disable: [...ALL_KERNEL, 'node-permission'] });
    assert.equal((await output(open)).stdout.trim(), 'CONNECTED');
    assert.equal(canary.tcpConnections, 1);
  } finally { await canary.close(); }
});

test('tripwire: true preloads the tripwire register file in a Node child', { skip: !linux && 'Linux only', timeout: 30_000 }, async (t) => {
  const { tripwireRegisterPath } = await import('../../../src/isolation/jail/index.js');
  if (!existsSync(tripwireRegisterPath)) { t.skip(`${tripwireRegisterPath} not built yet (tripwire module)`); return; }
  const h = await spawn(testNode, ['-e', 'console.log(process.execArgv.join(" "))'], { tripwire: true });
  assert.match((await output(h)).stdout, /--import file:.*tripwire\/register\.m?js/);
});

test('hermetic run: exit code passthrough, one human stderr line per attempt, recorded in the event store, or JSON lines to a file', { skip: !linux && 'Linux only', timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hermetic-run-'));
  const env = { ...process.env, HERMETIC_DATA_DIR: join(dir, 'data') };
  try {
    const code = `require('net').connect(9, '192.0.2.1').on('error', (e) => { console.log(e.code); process.exit(3); })`;
    const r = spawnSync(testNode, [cliPath, 'run', '--disable', 'node-permission', '--', testNode, '-e', code], { encoding: 'utf8', env });
    assert.equal(r.status, 3, r.stderr);
    assert.equal(r.stdout.trim(), 'EPERM');
    const exe = realpathSync(testNode);
    const who = `${basename(exe)} \\(pid \\d+, ${exe.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)`;
    const line = probe().layers.namespace.available
      ? new RegExp(`^hermetic: ${who} tried to connect to 192\\.0\\.2\\.1:9 — blocked \\(EPERM\\)$`, 'm')
      : new RegExp(`^hermetic: ${who} tried to open a AF_INET SOCK_STREAM socket — blocked \\(EPERM\\)$`, 'm');
    assert.match(r.stderr, line);
    // Recorded: `hermetic events` shows it, naming the program (and the destination).
    const ev = spawnSync(testNode, [cliPath, 'events', '--json'], { encoding: 'utf8', env });
    assert.equal(ev.status, 0, ev.stderr);
    const rows = ev.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; details: Record<string, unknown> });
    const row = rows.find((x) => x.type === 'network_attempt');
    assert.ok(row, ev.stdout);
    assert.equal(row.details.exe, exe);
    assert.equal(row.details.via, 'hermetic run');
    if (probe().layers.namespace.available) assert.equal(row.details.destination, '192.0.2.1:9');
    const file = join(dir, 'events.jsonl');
    const r2 = spawnSync(testNode, [cliPath, 'run', '--json-events', file, '--disable', 'node-permission', '--', 'python3', '-c',
      'import socket\ntry: socket.socket(socket.AF_PACKET, socket.SOCK_RAW)\nexcept OSError as e: print(e.errno)'], { encoding: 'utf8', env });
    assert.equal(r2.status, 0, r2.stderr);
    assert.equal(r2.stdout.trim(), '1');
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(lines.some((l) => l.syscall === 'socket' && l.family === 'AF_PACKET' && l.type === 'SOCK_RAW' && typeof l.exe === 'string'), JSON.stringify(lines));
    assert.doesNotMatch(r2.stderr, /^hermetic: /m);
    const bad = spawnSync(testNode, [cliPath, 'run', '--require', 'nonsense', '--', 'true'], { encoding: 'utf8', env });
    assert.equal(bad.status, 2);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('SIGTERM to the supervisor reaches the jailed command', { skip: !linux && 'Linux only', timeout: 30_000 }, async () => {
  const p = cpSpawn(helperPath, ['--report-fd', '2', '--', 'sh', '-c', 'trap "echo got-term; exit 0" TERM; echo ready; while :; do sleep 0.05; done'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  await new Promise<void>((r) => p.stdout.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('ready')) r(); }));
  p.kill('SIGTERM');
  const code = await new Promise<number | null>((r) => p.on('close', (c) => r(c)));
  assert.match(out, /got-term/);
  assert.equal(code, 0);
});

test('a --report-fd that is not open is refused with a clear error, not a hang (positive control: an open one)', { skip: !linux && 'Linux only', timeout: 30_000 }, () => {
  // fd 3 is left closed by 'ignore'. Before the check, the supervisor's own signalfd took
  // that number, "reading the control channel" swallowed SIGCHLD, and it waited forever.
  const bad = spawnSync(helperPath, ['--report-fd', '3', '--', 'true'], { stdio: ['ignore', 'ignore', 'pipe', 'ignore'], encoding: 'utf8', timeout: 10_000 });
  assert.equal(bad.error, undefined, 'the helper must exit by itself');
  assert.equal(bad.status, 125);
  assert.match(bad.stderr, /--report-fd 3 is not an open descriptor/);
  const good = spawnSync(helperPath, ['--report-fd', '3', '--', 'true'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 10_000 });
  assert.equal(good.status, 0);
  assert.match(String(good.output[3]), /"event":"started"/);
});

test('a report fd the supervisor cannot read (write-only file) does not make it spin', { skip: !linux && 'Linux only', timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hermetic-jail-'));
  const file = join(dir, 'report.jsonl');
  const fd = openSync(file, 'w'); // O_WRONLY: read() on it fails with EBADF
  try {
    const p = cpSpawn(helperPath, ['--report-fd', '3', '--', 'sleep', '0.5'], { stdio: ['ignore', 'ignore', 'ignore', fd] });
    const exited = new Promise<number | null>((r) => p.on('close', (c) => r(c)));
    while (!readFileSync(file, 'utf8').includes('"event":"started"')) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 200));
    // Time the supervisor has spent on a CPU so far (/proc/PID/schedstat, ns). Spinning on the
    // unreadable channel (the bug) gave ~100 ms in these 0.3 s on a loaded 2-core machine;
    // a supervisor asleep in poll() uses ~2 ms, most of it for the fork.
    const onCpuNs = Number(readFileSync(`/proc/${p.pid}/schedstat`, 'utf8').split(' ')[0]);
    assert.equal(await exited, 0);
    assert.ok(Number.isFinite(onCpuNs) && onCpuNs > 0, 'read /proc/PID/schedstat of the supervisor');
    assert.ok(onCpuNs < 25e6, `the supervisor ran ${(onCpuNs / 1e6).toFixed(1)} ms while the command slept`);
    assert.match(readFileSync(file, 'utf8'), /"event":"exit","code":0/);
  } finally { closeSync(fd); rmSync(dir, { recursive: true, force: true }); }
});

test('--trace prints each start-up step (where the time goes), and nothing without it', { skip: !linux && 'Linux only', timeout: 30_000 }, () => {
  const caps = probe();
  const on = spawnSync(helperPath, ['--trace', '--report-fd', '3', '--', 'true'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 10_000 });
  assert.equal(on.status, 0);
  const steps = on.stderr.split('\n').filter((l) => l.startsWith('hermetic-jail trace +')).map((l) => l.replace(/^hermetic-jail trace \+\d+us \[\d+\] /, ''));
  for (const l of ALL_KERNEL) assert.ok(steps.includes(`child: ${l} ${caps.layers[l].available ? 'applied' : 'failed'}`), `${l} in ${JSON.stringify(steps)}`);
  // The layer results reach the supervisor in one packet, with the seccomp listener (and, with a
  // PID namespace, the command's own hello: how the supervisor learns its pid).
  assert.equal(steps.filter((s) => /^supervisor: \d+ message\(s\) and the seccomp listener from the jail$/.test(s)).length, caps.layers.seccomp.available ? 1 : 0, JSON.stringify(steps));
  assert.equal(steps.filter((s) => /^supervisor: \d+ message\(s\)/.test(s)).length, caps.layers.namespace.available ? 2 : 1, JSON.stringify(steps));
  assert.ok(steps.indexOf('child: exec true') > steps.indexOf('child: seccomp applied'));
  assert.ok(steps.includes('supervisor: exit line written'));
  const off = spawnSync(helperPath, ['--report-fd', '3', '--', 'true'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 10_000 });
  assert.equal(off.status, 0);
  assert.doesNotMatch(off.stderr, /hermetic-jail trace/);
});

test('PID namespace: the command sees only the jail, cannot signal its supervisor; positive control without the namespace layer', { skip: !linux && 'Linux only', timeout: 30_000 }, async (t) => {
  if (!probe().layers.namespace.available) { t.skip(`no user namespaces here: ${probe().layers.namespace.reason}`); return; }
  // Landlock (ABI >= 6) scopes signals too: it is off in both runs, so the PID namespace alone decides.
  const run = async (disable: LayerName[]) => {
    const dir = mkdtempSync(join(tmpdir(), 'hermetic-pidns-'));
    try {
      // The supervisor's pid is known once spawn() returns: handed in through a file.
      const script = `while [ ! -s ${dir}/sup ]; do sleep 0.01; done; echo "pid=$$"; echo "procs=$(ls /proc | grep -E '^[0-9]+$' | tr '\\n' ' ')"; ` +
        `kill -0 "$(cat ${dir}/sup)" 2>/dev/null && echo sup=signalable || echo sup=unreachable`;
      const h = await spawn('sh', ['-c', script], { disable: ['landlock', ...disable] });
      writeFileSync(join(dir, 'sup'), String(h.supervisorPid));
      return { out: (await output(h)).stdout, h };
    } finally { rmSync(dir, { recursive: true, force: true }); }
  };
  const jailed = await run([]);
  assert.equal(jailed.h.pidNamespace, true);
  assert.notEqual(jailed.h.initPid, jailed.h.pid, 'the command is not the namespace init: our init reaps and forwards signals');
  const pids = (/procs=(.*)/.exec(jailed.out)?.[1] ?? '').trim().split(' ').map(Number);
  assert.ok(pids.includes(1), `the jail's init is pid 1 in its /proc: ${jailed.out}`);
  assert.ok(pids.length < 10 && !pids.includes(jailed.h.supervisorPid ?? -1), `only the jail's processes are listed: ${jailed.out}`);
  assert.match(jailed.out, /^sup=unreachable$/m);
  // Positive control: the same command without the namespace layer can signal its supervisor.
  const open = await run(['namespace', 'mountns']);
  assert.equal(open.h.pidNamespace, false);
  assert.match(open.out, /^sup=signalable$/m);
});

test('when the supervisor is SIGKILLed, everything in the jail dies — even a setsid child that ignores SIGTERM (positive control: it survives without the namespace)', { skip: !linux && 'Linux only', timeout: 30_000 }, async (t) => {
  if (!probe().layers.namespace.available) { t.skip(`no user namespaces here: ${probe().layers.namespace.reason}`); return; }
  const attempt = async (disable: LayerName[], tag: string) => {
    const h = await spawn('sh', ['-c', `setsid sh -c 'trap "" TERM HUP INT; exec sleep ${tag}' & exec sleep 60`], { disable });
    const survivor = await findByCmdline(h.supervisorPid ?? 0, tag);
    process.kill(h.supervisorPid ?? 0, 'SIGKILL');
    await h.exited;
    for (let i = 0; i < 100 && alive(survivor); i++) await new Promise((r) => setTimeout(r, 10));
    return survivor;
  };
  const jailed = await attempt([], '63.1');
  assert.equal(alive(jailed), false, 'a jailed process outlived its supervisor');
  const open = await attempt(['namespace', 'mountns'], '63.2');
  try {
    assert.equal(alive(open), true, 'without the PID namespace the setsid child survives: the test can see an escape');
  } finally {
    // Only our survivor, never a process that reused its pid.
    if (cmdline(open) === 'sleep 63.2') { try { process.kill(open, 'SIGKILL'); } catch {} }
  }
});

test('no report is lost: an attempt made at once after exec reaches both onAttempt and the events listener attached after spawn() (40 runs)', { skip: !linux && 'Linux only', timeout: 120_000 }, async () => {
  // A compiled program whose first act is connect(): its report can arrive in the same chunk as
  // the "started" line — before the caller had the handle to listen on.
  const { escape } = jailFixtures();
  let lost = 0;
  for (let i = 0; i < 40; i++) {
    const early: JailAttempt[] = [];
    const h = await spawn(escape, ['connect-now', '192.0.2.1', '9'], { stdio: 'ignore', onAttempt: (a) => early.push(a) });
    const heard: JailAttempt[] = [];
    h.events.on('attempt', (a: JailAttempt) => heard.push(a));
    await h.exited;
    assert.ok(h.attempts.length >= 1, 'the attempt was reported');
    assert.deepEqual(early, h.attempts, 'onAttempt heard every attempt, in order');
    if (heard.length !== h.attempts.length) lost++;
  }
  assert.equal(lost, 0, `${lost} of 40 runs lost an 'attempt' event`);
});

test('names: the process not the thread, its parents up to the command, and the DNS name of a lookup (glibc and c-ares)', { skip: !linux && 'Linux only', timeout: 60_000 }, async (t) => {
  if (!probe().layers.namespace.available) { t.skip(`DNS names need the namespace layer (IP sockets exist only there): ${probe().layers.namespace.reason}`); return; }
  // dns.lookup runs getaddrinfo on a libuv worker thread: the call comes from a thread, the
  // report must name the process. Resolver.resolve4 is c-ares (connect, then send()).
  const js = `const dns = require('dns'); dns.lookup('jail-names-gai.invalid', () => {
    const r = new dns.Resolver({ timeout: 300, tries: 1 }); r.setServers(['192.0.2.53:5353']); r.resolve4('jail-names-cares.invalid', () => {}); });`;
  const h = await spawn('sh', ['-c', `${testNode} -e "$JS"`], { env: { JS: js }, disable: ['node-permission'] });
  await output(h);
  const node = h.attempts.filter((a) => a.exe === realpathSync(testNode));
  const gai = node.find((a) => a.dnsName === 'jail-names-gai.invalid');
  assert.ok(gai, JSON.stringify(h.attempts, null, 1));
  assert.match(gai.dnsType ?? '', /^A(,AAAA)?$/);
  assert.notEqual(gai.tid, gai.pid, 'getaddrinfo ran on a worker thread');
  assert.deepEqual(gai.parents?.map((p) => p.program), ['dash'].includes(gai.parents?.[0]?.program ?? '') ? ['dash'] : [basename(realpathSync('/bin/sh'))]);
  assert.equal(gai.parents?.[0]?.pid, h.pid, 'the chain ends at the jailed command');
  const cares = node.find((a) => a.dnsName === 'jail-names-cares.invalid');
  assert.ok(cares, JSON.stringify(h.attempts, null, 1));
  assert.equal(cares.destination, '192.0.2.53:5353');
  assert.equal(cares.errno, 'EPERM');
  // Every node attempt names the same process.
  assert.equal(new Set(node.map((a) => a.pid)).size, 1);
});

test('the glibc nscd probe is a notice, once per run — not an attempt', { skip: !linux && 'Linux only', timeout: 30_000 }, async (t) => {
  if (!probe().layers.seccomp.available) { t.skip(`seccomp unavailable: ${probe().layers.seccomp.reason}`); return; }
  const h = await spawn('sh', ['-c', 'id >/dev/null; id >/dev/null; id -un >/dev/null']);
  const heard: unknown[] = [];
  h.events.on('notice', (n) => heard.push(n));
  await h.exited;
  await new Promise((r) => setImmediate(r));
  assert.equal(h.attempts.length, 0, JSON.stringify(h.attempts));
  assert.equal(h.notices?.length, 1, JSON.stringify(h.notices));
  assert.equal(h.notices?.[0]?.kind, 'nscd');
  assert.equal(h.notices?.[0]?.program, 'id');
  assert.equal(heard.length, 1);
});

test('a memory cap that cannot be applied fails closed (JAIL_SETUP_FAILED, nothing runs); positive control: one that can', { skip: !linux && 'Linux only', timeout: 30_000 }, (t) => {
  if (!probe().layers.namespace.available && isRoot) { t.skip('as real root without a user namespace any RLIMIT_DATA can be raised'); return; }
  const dir = mkdtempSync(join(tmpdir(), 'hermetic-rlimit-'));
  try {
    const marker = join(dir, 'ran');
    // Hard limit 100 MB in the caller; asking the jail for 200 MB must fail (raising a hard
    // limit needs CAP_SYS_RESOURCE on the host), not silently run without a cap.
    const run = (bytes: number) => spawnSync('sh', ['-c', `ulimit -d 100000; exec "$0" --report-fd 3 --allow-write ${dir} --memory-bytes ${bytes} -- sh -c 'touch ${marker}'`, helperPath],
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 10_000 });
    const bad = run(200_000_000);
    assert.equal(bad.status, 125, String(bad.output[3]));
    assert.match(String(bad.output[3]), /"code":"JAIL_SETUP_FAILED".*setrlimit\(RLIMIT_DATA\)/);
    assert.equal(existsSync(marker), false, 'nothing ran');
    const good = run(50_000_000);
    assert.equal(good.status, 0, String(good.output[3]));
    assert.equal(existsSync(marker), true);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('requireAny: fails closed naming each missing layer when none is in force; positive control with one in force', { skip: !linux && 'Linux only', timeout: 30_000 }, async () => {
  await assert.rejects(spawn('true', [], { requireAny: ['namespace', 'landlock', 'seccomp'], fault: ['namespace', 'landlock', 'seccomp'] }),
    (e: unknown) => e instanceof JailError && e.code === 'JAIL_LAYER_UNAVAILABLE' && e.details.layer === null
      && /none of the kernel layers namespace, landlock, seccomp is in force: namespace \(fault injected.*landlock \(fault injected.*seccomp \(fault injected/.test(e.message));
  const caps = probe();
  const one = (['seccomp', 'landlock', 'namespace'] as const).find((l) => caps.layers[l].available);
  if (one) {
    const faults = (['namespace', 'landlock', 'seccomp'] as const).filter((l) => l !== one);
    const h = await spawn('true', [], { requireAny: ['namespace', 'landlock', 'seccomp'], fault: [...faults] });
    assert.deepEqual(await h.exited, { code: 0, signal: null });
  }
});

test('escape attempts are reported as what they are: ptrace and a seccomp listener of the jail\'s own (positive control: they work with the layers off)', { skip: !linux && 'Linux only', timeout: 60_000 }, async (t) => {
  if (!probe().layers.seccomp.available) { t.skip(`seccomp unavailable: ${probe().layers.seccomp.reason}`); return; }
  const { escape } = jailFixtures();
  // The ptrace target is a sibling the shell started (never the shell: a stopped shell would hang).
  const script = `sleep 5 & t=$!; "$0" ptrace $t; kill -9 $t; "$0" listener`;
  const run = async (disable: LayerName[]) => {
    const h = await spawn('sh', ['-c', script, escape], { disable });
    return { out: (await output(h)).stdout, attempts: h.attempts };
  };
  const jailed = await run([]);
  assert.equal(jailed.out.trim(), 'RESULT EPERM\nRESULT EPERM');
  const ptrace = jailed.attempts.find((a) => a.escape === 'ptrace');
  assert.ok(ptrace, JSON.stringify(jailed.attempts));
  assert.equal(ptrace.syscall, 'ptrace');
  assert.equal(ptrace.program, 'escape');
  assert.equal(ptrace.parents?.[0]?.program, basename(realpathSync('/bin/sh')));
  const listener = jailed.attempts.find((a) => a.escape === 'seccomp_listener');
  assert.ok(listener, JSON.stringify(jailed.attempts));
  assert.equal(listener.syscall, 'seccomp');
  // Positive control: with seccomp and Landlock off, both succeed (the same user may trace its sibling).
  const open = await run(['seccomp', 'landlock']);
  assert.equal(open.out.trim(), 'RESULT THROUGH\nRESULT THROUGH');
  assert.equal(open.attempts.length, 0);
});

test('hermetic run: the nscd probe is recorded once, at info, and is not a blocked attempt', { skip: !linux && 'Linux only', timeout: 60_000 }, (t) => {
  if (!probe().layers.seccomp.available) { t.skip(`seccomp unavailable: ${probe().layers.seccomp.reason}`); return; }
  const dir = mkdtempSync(join(tmpdir(), 'hermetic-run-nscd-'));
  const env = { ...process.env, HERMETIC_DATA_DIR: dir };
  try {
    const r = spawnSync(testNode, [cliPath, 'run', '--', 'sh', '-c', 'id >/dev/null; id -un >/dev/null; id -gn >/dev/null'], { encoding: 'utf8', env });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /^hermetic: /m, 'not printed as an attempt');
    const ev = spawnSync(testNode, [cliPath, 'events', '--json'], { encoding: 'utf8', env });
    const rows = ev.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; severity: string; details: Record<string, unknown> });
    assert.deepEqual(rows.map((x) => [x.type, x.severity]), [['nscd_probe', 'info']], ev.stdout);
    assert.equal(rows[0]?.details.program, 'id');
    // Positive control: a real attempt in the same kind of run is a warning row.
    const r2 = spawnSync(testNode, [cliPath, 'run', '--', 'python3', '-c', 'import socket\ntry: socket.socket(socket.AF_PACKET, socket.SOCK_RAW)\nexcept OSError: pass'], { encoding: 'utf8', env });
    assert.equal(r2.status, 0, r2.stderr);
    const after = spawnSync(testNode, [cliPath, 'events', '--json', '--type', 'network_attempt'], { encoding: 'utf8', env });
    assert.match(after.stdout, /"severity":"warning"/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
