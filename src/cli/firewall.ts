// `hermetic firewall TARGET ...`: print firewall rules for this installation (or write them with
// --out), and `hermetic firewall --check`: say whether Hermetic's rules are loaded right now.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from './command.js';
import { EXIT, UsageError, parseCommandArgs } from './command.js';
import { loadConfig } from '../config/index.js';
import { packageRoot } from '../version.js';
import {
  FIREWALL_TARGETS, FirewallInputError, buildSpec, checkLoadedRules, defaultCliPath, generate, generateUndo, parseTarget, resolveIdentity,
  type GeneratedRules,
} from '../firewall/index.js';

const usage = `Usage: hermetic firewall TARGET [options]
       hermetic firewall --check [--user NAME | --uid N] [--json]

Prints firewall rules that block all outbound traffic of Hermetic's processes except its own
UI/API on loopback — one more wall, outside the application. Nothing is applied: read the
output, then apply it as its comments say. See docs/security/firewall-rules.md.

Targets: ${FIREWALL_TARGETS.join(', ')}

Options:
  --user NAME         the user Hermetic runs as (a dedicated user is recommended)
  --uid N             the same, by number
  --program PATH      absolute path of a program to block (windows; repeatable; the first is
                      the Node binary for systemd's ExecStart). Default: this Node.
  --port N            the UI/API port that stays open on loopback (default: configured port)
  --loopback port|any allow only the UI/API port on loopback (default), or all loopback traffic
  --cgroup PATH       nftables: also match this cgroup v2 path (e.g. system.slice/hermetic.service)
  --undo              print the removal file instead (nftables, iptables, ip6tables)
  --out DIR           write the file(s) into DIR instead of printing them
  --force             with --out: overwrite existing files
  --check             read the loaded rules (needs CAP_NET_ADMIN) and say whether Hermetic's are
                      in force, IPv4 and IPv6, for --user/--uid (default: the uid running this);
                      exit 0 loaded, 1 not loaded or unknown
  --json              machine-readable output

Examples:
  hermetic firewall nftables --user hermetic | sudo nft -f -
  hermetic firewall iptables --user hermetic | sudo iptables-restore --noflush
  hermetic firewall ip6tables --user hermetic | sudo ip6tables-restore --noflush
  sudo hermetic firewall --check --user hermetic`;

function render(rules: GeneratedRules): string {
  if (rules.files.length === 1) return rules.files[0]?.content ?? '';
  return rules.files.map((f) => `# ==> ${f.name} <==\n${f.content}`).join('\n');
}

function writeOut(dir: string, rules: GeneratedRules, force: boolean): string[] {
  mkdirSync(dir, { recursive: true });
  const paths = rules.files.map((f) => join(dir, f.name));
  const existing = paths.filter((p) => existsSync(p));
  if (existing.length && !force) throw new UsageError(`--out: ${existing.join(', ')} already exist (pass --force to overwrite)`);
  rules.files.forEach((f, i) => writeFileSync(paths[i] as string, f.content, { mode: f.name.endsWith('.sh') ? 0o755 : 0o644 }));
  return paths;
}

async function runCheck(json: boolean, who: { user?: string; uid?: string }): Promise<number> {
  // Another identity's rules: the cgroup of this process says nothing about that one.
  const r = who.user !== undefined || who.uid !== undefined
    ? await checkLoadedRules({ uid: resolveIdentity(who).uid, cgroup: null })
    : await checkLoadedRules();
  if (json) console.log(JSON.stringify(r, null, 2));
  else {
    const mark = r.status === 'loaded' ? 'loaded' : r.status === 'not-loaded' ? 'NOT loaded' : 'unknown';
    console.log(`firewall rules: ${mark} — ${r.detail}`);
    if (r.reason && r.reason !== r.detail) console.log(`  ${r.reason}`);
  }
  return r.status === 'loaded' ? EXIT.OK : EXIT.FAILURE;
}

export const command: Command = {
  name: 'firewall',
  summary: 'Print host firewall rules (nftables, iptables, pf, Windows, systemd, Docker) or check they are loaded',
  usage,
  async run(argv) {
    const parsed = parseCommandArgs({
      args: argv,
      allowPositionals: true,
      options: {
        user: { type: 'string' },
        uid: { type: 'string' },
        program: { type: 'string', multiple: true },
        port: { type: 'string' },
        loopback: { type: 'string' },
        cgroup: { type: 'string' },
        undo: { type: 'boolean', default: false },
        out: { type: 'string' },
        force: { type: 'boolean', default: false },
        check: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
  }, usage);
    const { values: v, positionals } = parsed;
    if (v.check) {
      if (positionals.length) throw new UsageError('firewall: --check takes no target');
      try {
        return await runCheck(v.json, { ...(v.user !== undefined && { user: v.user }), ...(v.uid !== undefined && { uid: v.uid }) });
      } catch (e) {
        if (e instanceof FirewallInputError) throw new UsageError(`firewall: ${e.message}`);
        throw e;
      }
    }
    if (positionals.length > 1) throw new UsageError(`firewall: one target at a time, got ${positionals.join(' ')}`);
    try {
      const target = parseTarget(positionals[0]);
      const config = loadConfig();
      const spec = buildSpec(target, {
        ...(v.user !== undefined && { user: v.user }),
        ...(v.uid !== undefined && { uid: v.uid }),
        ...(v.program !== undefined && { programs: v.program }),
        ...(v.port !== undefined && { port: v.port }),
        ...(v.loopback !== undefined && { loopback: v.loopback }),
        ...(v.cgroup !== undefined && { cgroup: v.cgroup }),
      }, { port: config.port, nodePath: process.execPath, cliPath: defaultCliPath(packageRoot), dataDir: config.dataDir });
      const rules = v.undo ? generateUndo(target, spec) : generate(target, spec);
      if (!rules) throw new FirewallInputError(`--undo: ${target} has no removal file; its output says how to undo it`);
      if (v.out) {
        const paths = writeOut(v.out, rules, v.force);
        if (v.json) console.log(JSON.stringify({ target, files: paths }, null, 2));
        else console.error(`wrote ${paths.join(', ')}`);
      } else if (v.json) {
        console.log(JSON.stringify(rules, null, 2));
      } else {
        process.stdout.write(render(rules));
      }
      return EXIT.OK;
    } catch (e) {
      if (e instanceof FirewallInputError) throw new UsageError(`firewall: ${e.message}`);
      throw e;
    }
  },
};
