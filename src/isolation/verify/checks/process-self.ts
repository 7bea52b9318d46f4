// process.self: what the kernel says about this very process — its seccomp mode, NoNewPrivs,
// and its network namespace compared with the launcher's. In paranoid mode the server must be
// under the jail's seccomp filter; a child it starts (which inherits the filter and has no
// tripwire) must get EPERM from socket(), which proves the filter is the kernel's, not ours.
import { readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Check } from '../check.js';
import { parseStatus, readText } from '../proc.js';
import { kernelConnectProbe } from '../kernel-probe.js';

const SECCOMP_MODES: Record<string, string> = { '0': 'none', '1': 'strict', '2': 'filter' };

/** Set by the paranoid launcher: its own network namespace (net:[inode]) for comparison. */
export const LAUNCHER_NETNS_ENV = 'HERMETIC_LAUNCHER_NETNS';

function netns(procRoot: string): string | null {
  try { return readlinkSync(join(procRoot, 'self', 'ns', 'net')); } catch { return null; }
}

export const processSelf: Check = {
  id: 'process.self',
  title: 'This process under the kernel jail',
  async run(ctx) {
    const text = readText(join(ctx.procRoot, 'self', 'status'));
    if (text === null) return { status: 'skip', detail: `${ctx.procRoot}/self/status is not readable (not Linux?)` };
    const st = parseStatus(text);
    const seccomp = SECCOMP_MODES[st.Seccomp ?? ''] ?? 'unknown';
    const noNewPrivs = st.NoNewPrivs === '1';
    const ownNs = netns(ctx.procRoot);
    const launcherNs = ctx.env[LAUNCHER_NETNS_ENV] || null;
    const ownNamespace = launcherNs !== null && ownNs !== null && ownNs !== launcherNs;
    const data: Record<string, unknown> = { seccomp, seccompFilters: Number(st.Seccomp_filters ?? 0), noNewPrivs, netns: ownNs, launcherNetns: launcherNs, ownNamespace };
    const facts = `seccomp ${seccomp}, NoNewPrivs ${noNewPrivs ? 'on' : 'off'}${launcherNs ? `, ${ownNamespace ? 'own network namespace' : "launcher's network namespace"}` : ''}`;

    if (ctx.strictness !== 'paranoid') {
      return { status: 'pass', detail: `${facts} (the server itself is jailed only in paranoid mode)`, data };
    }
    if (ctx.role !== 'server') {
      return { status: 'skip', detail: `${facts}; this is the CLI, not the server: a paranoid server measures this itself (see \`hermetic status\`)`, data: { ...data, notApplicable: true } };
    }
    if (seccomp !== 'filter' || !noNewPrivs) {
      return { status: 'fail', detail: `paranoid mode, but this server is not under the jail (${facts})`, data };
    }
    if (!ctx.serverPort) {
      return { status: 'warn', detail: `${facts}; no server port known, so the in-jail connect probe did not run`, data };
    }
    const probe = await kernelConnectProbe(ctx.serverPort, ctx.timeoutMs);
    data.kernelProbe = { target: `127.0.0.1:${ctx.serverPort}`, ...probe };
    if (probe.outcome !== 'EPERM') {
      return { status: 'fail', detail: `${facts}, but a child's TCP connect got "${probe.outcome}" instead of EPERM: the seccomp filter does not cover sockets`, data };
    }
    return { status: 'pass', detail: `${facts}; a child's TCP connect to 127.0.0.1:${ctx.serverPort} was refused by the kernel (EPERM)`, data };
  },
};
