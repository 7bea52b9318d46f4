// `hermetic firewall --check` and the verifier's firewall.rules check: are Hermetic's rules
// loaded in the kernel, for this process's uid (or cgroup), for IPv4 AND IPv6? Reading rules
// needs CAP_NET_ADMIN; when a tool cannot read them the answer is `unknown` with the reason —
// never a guess in either direction.
import { readFileSync } from 'node:fs';
import type { LoadedRuleset, LoadedRulesResult, LoadedStatus } from '../types.js';
import { parseIptablesSave } from './parse-iptables.js';
import { parseNftRuleset } from './parse-nft.js';
import { runTool, type ToolOptions, type ToolOutcome } from './run-tool.js';

export interface CheckOptions extends ToolOptions {
  /** The uid the rules must cover; default this process's. */
  uid?: number;
  /** The cgroup v2 path the rules may cover instead (default: this process's, from /proc/self/cgroup). */
  cgroup?: string | null;
}

function ownCgroup(): string | null {
  try {
    const line = readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => l.startsWith('0::'));
    const path = line?.slice(3).replace(/^\/+/, '');
    return path ? path : null;
  } catch {
    return null;
  }
}

interface Source {
  tool: string;
  outcome: ToolOutcome;
  ruleset: LoadedRuleset | null;
}

/** iptables-legacy without its kernel table loaded: no rules there (not an error). */
const NO_TABLE = /table does not exist|can't initialize .*table/i;

async function read(tool: string, args: string[], parse: (out: string) => LoadedRuleset | null, opts: ToolOptions): Promise<Source> {
  const outcome = await runTool(tool, args, opts);
  if (outcome.kind === 'failed' && tool.includes('tables') && NO_TABLE.test(outcome.reason)) return { tool, outcome: { kind: 'ok', stdout: '' }, ruleset: null };
  if (outcome.kind !== 'ok') return { tool, outcome, ruleset: null };
  try {
    return { tool, outcome, ruleset: parse(outcome.stdout) };
  } catch (e) {
    return { tool, outcome: { kind: 'failed', reason: `${tool}: unreadable output (${(e as Error).message})` }, ruleset: null };
  }
}

function describe(r: LoadedRuleset): string {
  const who = [...r.uids.map((u) => `uid ${u}`), ...r.cgroups.map((c) => `cgroup ${c}`)].join(', ');
  const dropped = r.dropped ? `, ${r.dropped.packets} packets dropped so far` : '';
  return `${r.source} (${r.families.join('+')}) drops ${who}${dropped}`;
}

export async function checkLoadedRules(opts: CheckOptions = {}): Promise<LoadedRulesResult> {
  const uid = opts.uid ?? process.getuid?.() ?? -1;
  const cgroup = opts.cgroup === undefined ? ownCgroup() : opts.cgroup;
  const sources = await Promise.all([
    read('nft', ['-j', 'list', 'ruleset'], parseNftRuleset, opts),
    read('iptables-save', ['-c', '-t', 'filter'], (o) => parseIptablesSave(o, 'iptables'), opts),
    read('ip6tables-save', ['-c', '-t', 'filter'], (o) => parseIptablesSave(o, 'ip6tables'), opts),
    // Where `iptables` is the nf_tables backend, rules loaded with the legacy backend are
    // invisible to iptables-save: read those too (absent on most systems, then ignored).
    read('iptables-legacy-save', ['-c', '-t', 'filter'], (o) => parseIptablesSave(o, 'iptables'), opts),
    read('ip6tables-legacy-save', ['-c', '-t', 'filter'], (o) => parseIptablesSave(o, 'ip6tables'), opts),
  ]);
  const rulesets = sources.flatMap((s) => (s.ruleset ? [s.ruleset] : []));
  const covers = (r: LoadedRuleset) => r.uids.includes(uid) || (cgroup !== null && r.cgroups.includes(cgroup));
  const covering = rulesets.filter(covers);
  const ipv4 = covering.some((r) => r.families.includes('ipv4'));
  const ipv6 = covering.some((r) => r.families.includes('ipv6'));
  const failures = sources.filter((s) => s.outcome.kind !== 'ok' && s.outcome.kind !== 'absent');
  const present = sources.filter((s) => s.outcome.kind !== 'absent');
  const reasons = (list: Source[]) => list.map((s) => (s.outcome.kind === 'ok' ? '' : s.outcome.reason)).filter(Boolean).join('; ');
  const subject = `uid ${uid}${cgroup ? ` / cgroup ${cgroup}` : ''}`;

  const result = (status: LoadedStatus, detail: string, reason: string): LoadedRulesResult => ({
    status, loaded: status === 'unknown' ? null : status === 'loaded', detail, reason, uid, rulesets,
  });

  if (ipv4 && ipv6) {
    return result('loaded', `Hermetic's firewall rules drop the IPv4 and IPv6 traffic of ${subject}`, covering.map(describe).join('; '));
  }
  if (present.length === 0) {
    return result('unknown', 'cannot tell whether firewall rules are loaded: no firewall tool is installed', reasons(sources));
  }
  if (failures.length > 0) {
    // A tool that could not read its rules might hold exactly the missing half.
    return result('unknown', `cannot tell whether Hermetic's firewall rules are loaded for ${subject}`, reasons(failures));
  }
  const missing = !ipv4 && !ipv6 ? 'IPv4 and IPv6' : !ipv4 ? 'IPv4' : 'IPv6';
  const others = rulesets.filter((r) => !covers(r));
  const why = [
    `no loaded rule drops ${missing} traffic of ${subject}`,
    ...(covering.length ? [`found: ${covering.map(describe).join('; ')}`] : []),
    ...(others.length ? [`rules for other identities: ${others.map(describe).join('; ')}`] : []),
  ].join('; ');
  return result('not-loaded', `Hermetic's firewall rules are not in force for ${subject} (${missing} not covered)`, why);
}
