// `hermetic verify`: run every isolation check in this process, print the report, and exit 0
// only when the measured level satisfies the strictness. The tripwire is installed first, as
// `hermetic serve` does, so its self-test tests the real thing.
import { parseArgs } from 'node:util';
import { loadConfig, STRICTNESS_LEVELS } from '../config/index.js';
import { EXIT, UsageError, type Command } from './command.js';

const USAGE = `Usage: hermetic verify [--json] [--strictness L] [--fault LAYER[,LAYER]] [--data-dir D]

Prove, here and now, which isolation layers are in force: the tripwire self-test, the kernel
layers the jail can apply, and a jailed canary that tries TCP, UDP and DNS towards a loopback
listener (which must see nothing). No check sends a packet beyond loopback or looks up a name.

Options:
  --json            the full report as JSON (schema 1)
  --strictness L    judge against standard | strict | paranoid (default: the configured one)
  --fault LAYERS    fault injection: behave as if the kernel refused these jail layers
                    (namespace, mountns, landlock, seccomp, node-permission) — shows what
                    a machine without them gets
  --data-dir D      where config.json lives (default: as \`hermetic serve\`)

process.self and server.bind describe the server process; here they are shown as not
applicable — a running server reports them in \`hermetic status --json\` and
GET /api/security/network-status.

Exit codes: 0 the level satisfies the strictness, 1 it does not, 2 usage/config error.`;

const LAYERS = ['namespace', 'mountns', 'landlock', 'seccomp', 'node-permission'] as const;
type Layer = (typeof LAYERS)[number];

export const command: Command = {
  name: 'verify',
  summary: 'prove which isolation layers are in force (exit 1 if the strictness is not met)',
  usage: USAGE,
  async run(argv) {
    let values: { json?: boolean; strictness?: string; fault?: string; 'data-dir'?: string };
    try {
      ({ values } = parseArgs({ args: argv, allowPositionals: false, strict: true, options: {
        json: { type: 'boolean' }, strictness: { type: 'string' }, fault: { type: 'string' }, 'data-dir': { type: 'string' },
      } }));
    } catch (e) {
      throw new UsageError(`${(e as Error).message}\n\n${USAGE}`);
    }
    if (values.strictness !== undefined && !(STRICTNESS_LEVELS as readonly string[]).includes(values.strictness)) {
      throw new UsageError(`--strictness: invalid value '${values.strictness}'; allowed: ${STRICTNESS_LEVELS.join(' | ')}`);
    }
    const fault = (values.fault ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const bad = fault.filter((f) => !(LAYERS as readonly string[]).includes(f));
    if (bad.length) throw new UsageError(`--fault: unknown layer ${bad.join(', ')}; allowed: ${LAYERS.join(', ')}`);
    const config = loadConfig({ flags: { strictness: values.strictness, dataDir: values['data-dir'] } });

    // FIRST the tripwire, exactly as the server does it.
    const tripwire = await import('../isolation/tripwire/index.js');
    tripwire.install();
    const { IsolationService, reportTable } = await import('../isolation/verify/index.js');
    const service = new IsolationService({ config, role: 'cli', jailFault: fault as Layer[] });
    const report = await service.verify('cli');
    if (values.json) {
      console.log(JSON.stringify(report, null, 2));
    } else {
      console.log(reportTable(report, { colour: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR }));
    }
    return report.verdict.satisfied ? EXIT.OK : EXIT.FAILURE;
  },
};
