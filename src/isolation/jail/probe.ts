// Capability probe: which layers this machine really applies. Every answer comes from doing
// the thing (the helper runs its own layer code in a throw-away child; Node's permission model
// is exercised on the actual binary), never from version numbers alone. Cached per process.
import { spawnSync } from 'node:child_process';
import { release } from 'node:os';
import { helperBuilt, helperPath } from './helper.js';
import { jailEnv } from './env.js';
import { parseSupervisorLine } from './protocol.js';
import type { Capabilities, LayerName, LayerProbe, ProbeOptions } from './types.js';

export const LAYER_NAMES: readonly LayerName[] = ['namespace', 'mountns', 'landlock', 'seccomp', 'node-permission'];
export const KERNEL_LAYERS: readonly LayerName[] = ['namespace', 'mountns', 'landlock', 'seccomp'];

/** Fault injection from the environment: HERMETIC_JAIL_FAULT=landlock,seccomp */
export function envFaults(env: NodeJS.ProcessEnv = process.env): LayerName[] {
  const raw = env.HERMETIC_JAIL_FAULT;
  if (!raw) return [];
  return raw.split(',').map((s) => s.trim()).filter((s): s is LayerName => (LAYER_NAMES as readonly string[]).includes(s));
}

const cache = new Map<string, Capabilities>();

/** The Node permission-model check, run by the probed binary itself. */
const NODE_PERMISSION_SCRIPT = `
const r = { version: process.version, hasNet: null, listen: null };
const out = () => { process.stdout.write(JSON.stringify(r)); process.exit(0); };
process.on('uncaughtException', (e) => { r.listen = e && e.code || String(e); out(); });
try { r.hasNet = process.permission ? process.permission.has('net') : 'no process.permission'; } catch (e) { r.hasNet = 'throws ' + (e && e.code); }
if (r.hasNet !== false) out();
else {
  // Binding loopback port 0 sends nothing; under the model it must be refused.
  const s = require('net').createServer();
  s.on('error', (e) => { r.listen = e.code; out(); });
  s.listen(0, '127.0.0.1', () => { r.listen = 'listening'; s.close(); out(); });
}`;

function probeNodePermission(nodePath: string, faulted: boolean): LayerProbe {
  if (faulted) return { available: false, reason: 'fault injected (node-permission): behaving as if the runtime lacked it' };
  const r = spawnSync(nodePath, ['--permission', '--allow-fs-read=*', '-e', NODE_PERMISSION_SCRIPT], {
    env: jailEnv(process.env), encoding: 'utf8', timeout: 15_000, stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.error) return { available: false, reason: `cannot run ${nodePath}: ${r.error.message}` };
  if (r.status !== 0) {
    const msg = String(r.stderr).trim().split('\n').pop() ?? '';
    return { available: false, reason: `${nodePath} refuses --permission (${msg || `exit ${r.status}`}): Node >= 25 needed` };
  }
  let res: { version?: string; hasNet?: unknown; listen?: unknown };
  try { res = JSON.parse(String(r.stdout)) as typeof res; } catch { return { available: false, reason: `unexpected probe output: ${String(r.stdout).slice(0, 200)}` }; }
  if (res.hasNet === false && res.listen === 'ERR_ACCESS_DENIED') {
    return { available: true, reason: `Node ${res.version}: --permission without --allow-net refuses network APIs (listen -> ERR_ACCESS_DENIED)`, detail: { version: res.version } };
  }
  return { available: false, reason: `Node ${res.version ?? '?'}: the permission model does not cover the network (has('net') = ${String(res.hasNet)}, listen -> ${String(res.listen)}); Node >= 25 needed`, detail: { version: res.version } };
}

function unavailableAll(reason: string): Record<LayerName, LayerProbe> {
  return Object.fromEntries(KERNEL_LAYERS.map((l) => [l, { available: false, reason }])) as Record<LayerName, LayerProbe>;
}

export function probe(options: ProbeOptions = {}): Capabilities {
  const faults = [...new Set([...(options.fault ?? []), ...envFaults()])].sort();
  const nodePath = options.nodePath ?? process.execPath;
  const key = JSON.stringify([faults, nodePath]);
  const cached = cache.get(key);
  if (cached && !options.refresh) return cached;

  let layers: Record<LayerName, LayerProbe>;
  let kernel = process.platform === 'linux' ? release() : `${process.platform} ${release()}`;
  const built = helperBuilt();
  if (process.platform === 'darwin') {
    layers = unavailableAll('macOS: a sandbox-exec profile denying all network is generated (sandboxExecProfile), but it is not verified on this platform until a canary passes here');
  } else if (process.platform === 'win32') {
    layers = unavailableAll('Windows: no kernel layer is available; only the in-process tripwire and firewall rules apply');
  } else if (process.platform !== 'linux') {
    layers = unavailableAll(`${process.platform}: no kernel layer implemented`);
  } else if (!built) {
    layers = unavailableAll(`jail helper: not built (${helperPath} missing; install a C compiler and run \`npm run build:native\`)`);
  } else {
    const args = ['--probe', ...faults.filter((f) => KERNEL_LAYERS.includes(f)).flatMap((f) => ['--fault', f])];
    const r = spawnSync(helperPath, args, { encoding: 'utf8', timeout: 15_000, stdio: ['ignore', 'pipe', 'pipe'] });
    const ev = r.error || r.status !== 0 ? null : parseSupervisorLine(String(r.stdout).trim());
    if (!ev || ev.event !== 'probe') {
      const why = r.error ? r.error.message : `exit ${r.status}: ${String(r.stderr).trim().slice(0, 300)}`;
      layers = unavailableAll(`jail helper failed to probe (${why})`);
    } else {
      kernel = ev.kernel;
      layers = {} as Record<LayerName, LayerProbe>;
      for (const l of ev.layers) {
        const p: LayerProbe = { available: l.inForce, reason: l.reason };
        if (l.name === 'landlock') p.detail = { abi: ev.landlockAbi, tcp: ev.landlockAbi >= 4, scopedAbstractUnix: ev.landlockAbi >= 6 };
        if (l.name === 'seccomp') p.detail = { userNotification: l.inForce };
        if (l.name === 'namespace') p.detail = { uid: ev.uid, pidNamespace: ev.pidNamespace };
        layers[l.name] = p;
      }
    }
  }
  layers['node-permission'] = probeNodePermission(nodePath, faults.includes('node-permission'));
  const caps: Capabilities = { platform: process.platform, kernel, helperBuilt: built, helperPath: built ? helperPath : null, layers, nodePath };
  if (faults.length) caps.faults = faults;
  cache.set(key, caps);
  return caps;
}
