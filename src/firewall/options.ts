// Turn command-line style input into a validated FirewallSpec. Every rejection is a
// FirewallInputError naming the option and what is allowed.
import { isAbsolute as posixAbsolute } from 'node:path/posix';
import { isAbsolute as windowsAbsolute } from 'node:path/win32';
import { join } from 'node:path';
import { DEFAULT_SERVICE_USER } from './constants.js';
import { FirewallInputError } from './errors.js';
import { resolveIdentity, lookupUser, lookupUid, type UserLookup, type UidLookup } from './identity.js';
import { FIREWALL_TARGETS, type FirewallSpec, type FirewallTarget, type LoopbackPolicy } from './types.js';

export interface FirewallInput {
  user?: string;
  uid?: string | number;
  /** Repeatable --program PATH. */
  programs?: string[];
  port?: string | number;
  loopback?: string;
  cgroup?: string;
}

export interface SpecDefaults {
  port: number;
  /** The Node binary (process.execPath on the machine that runs Hermetic). */
  nodePath: string;
  cliPath: string;
  dataDir: string;
  lookup?: UserLookup;
  reverse?: UidLookup;
}

/** Targets whose rules match a uid, so they cannot be written without one. */
const UID_TARGETS: readonly FirewallTarget[] = ['nftables', 'iptables', 'ip6tables', 'pf'];

/** Default Node location on Windows when generating from another OS (say so in the output). */
export const WINDOWS_DEFAULT_NODE = 'C:\\Program Files\\nodejs\\node.exe';

export function parseTarget(name: string | undefined): FirewallTarget {
  if (!name) throw new FirewallInputError(`name a target: ${FIREWALL_TARGETS.join(' | ')}`);
  if (!(FIREWALL_TARGETS as readonly string[]).includes(name)) {
    throw new FirewallInputError(`unknown target '${name}'; allowed: ${FIREWALL_TARGETS.join(' | ')}`);
  }
  return name as FirewallTarget;
}

function parsePort(v: string | number): number {
  const s = String(v);
  if (!/^\d{1,5}$/.test(s) || Number(s) < 1 || Number(s) > 65535) throw new FirewallInputError(`--port: '${s}' is not a port (1..65535)`);
  return Number(s);
}

function parseLoopback(v: string | undefined): LoopbackPolicy {
  if (v === undefined || v === 'port') return 'port';
  if (v === 'any') return 'any';
  throw new FirewallInputError(`--loopback: '${v}' is not allowed; allowed: port | any`);
}

/** cgroup v2 path as nftables wants it: relative to /sys/fs/cgroup, no `..`, no odd characters. */
function parseCgroup(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const p = v.replace(/^\/sys\/fs\/cgroup\//, '').replace(/^\/+|\/+$/g, '');
  if (!p || !/^[A-Za-z0-9_.@:\\/-]+$/.test(p) || p.split('/').some((seg) => seg === '..' || seg === '.' || seg === '')) {
    throw new FirewallInputError(`--cgroup: '${v}' is not a cgroup v2 path such as system.slice/hermetic.service`);
  }
  return p;
}

function parsePrograms(target: FirewallTarget, programs: string[] | undefined, nodePath: string): string[] {
  const isWindows = target === 'windows';
  const list = programs && programs.length ? programs : [isWindows && process.platform !== 'win32' ? WINDOWS_DEFAULT_NODE : nodePath];
  for (const p of list) {
    const ok = isWindows ? windowsAbsolute(p) && /^([A-Za-z]:\\|\\\\)/.test(p) : posixAbsolute(p);
    if (!ok) throw new FirewallInputError(`--program: '${p}' is not an absolute path${isWindows ? ' (e.g. C:\\Program Files\\nodejs\\node.exe)' : ''}; firewall rules match exact program paths`);
    if (/["`$\n\r]/.test(p)) throw new FirewallInputError(`--program: '${p}' contains a quote, $, backtick or newline`);
  }
  return list;
}

export function buildSpec(target: FirewallTarget, input: FirewallInput, defaults: SpecDefaults): FirewallSpec {
  const lookup = defaults.lookup ?? lookupUser;
  const reverse = defaults.reverse ?? lookupUid;
  const spec: FirewallSpec = {
    serviceUser: DEFAULT_SERVICE_USER,
    port: input.port === undefined ? defaults.port : parsePort(input.port),
    loopback: parseLoopback(input.loopback),
    programs: parsePrograms(target, input.programs, defaults.nodePath),
    cliPath: defaults.cliPath,
    dataDir: defaults.dataDir,
  };
  const cgroup = parseCgroup(input.cgroup);
  if (cgroup !== undefined) {
    if (target !== 'nftables') throw new FirewallInputError('--cgroup is only for the nftables target (socket cgroupv2 match)');
    spec.cgroup = cgroup;
  }
  if (UID_TARGETS.includes(target)) {
    spec.identity = resolveIdentity(input, lookup, reverse);
    if (spec.identity.user) spec.serviceUser = spec.identity.user;
  } else if (input.user !== undefined || input.uid !== undefined) {
    // systemd/docker run Hermetic as this user: it must exist, be named, and not be root.
    const identity = resolveIdentity(input, lookup, reverse);
    if (!identity.user) throw new FirewallInputError(`--uid ${identity.uid} has no user name; ${target} needs a named user (--user NAME)`);
    spec.identity = identity;
    spec.serviceUser = identity.user;
  }
  return spec;
}

/** Where the CLI entry of this installation lives, for ExecStart lines. */
export function defaultCliPath(packageRoot: string): string {
  return join(packageRoot, 'dist', 'src', 'cli', 'main.js');
}
