// `hermetic prove`: build a trap, run the real application in it, and count the packets that
// reach the trap's internet (src/prove).
import { loadConfig } from '../config/index.js';
import type { Command } from './command.js';
import { UsageError, parseCommandArgs } from './command.js';

const usage = `Usage: hermetic prove [options]

A proof of zero egress on this machine. Builds a trap — a network namespace whose only way out
is a veth to a fake internet that answers DNS for every name and accepts TCP on every port, with
every frame recorded (AF_PACKET) — and runs in it: the real server with your configuration and
strictness, one conversion of every converter family through the API, a hostile converter that
tries fetch, raw TCP, UDP, DNS and a child curl, and the same tries under \`hermetic run\`. A
deliberate unjailed connection is made before and after, and must be seen, or the proof is void.
Works unprivileged (user namespaces) and as root; nothing on the host is changed.

Options:
  --json              print the report as one JSON object on stdout
                      ({"verdict":"sealed"|"leaked"|"void","packetsLeft":N,"attempts":[…],"conversions":[…],…})
  --keep              keep the evidence folder (trap.pcap, world.jsonl, server.log, result.json)
  --strictness L      prove this strictness instead of the configured one (standard | strict | paranoid)
  --data-dir D        whose configuration to use (default: the usual data dir); it is copied, not used
  --timeout-ms N      give up after N ms (default 170000)

Progress goes to stderr. Exit codes: 0 sealed and every conversion succeeded; 1 leaked, void,
or a conversion failed; 2 usage or configuration error.`;

export const command: Command = {
  name: 'prove',
  summary: 'prove zero egress on this machine: run everything in a recorded network trap',
  usage,
  async run(argv) {
    const { values } = parseCommandArgs({
      args: argv,
      allowPositionals: false,
      options: {
        json: { type: 'boolean', default: false },
        keep: { type: 'boolean', default: false },
        strictness: { type: 'string' },
        'data-dir': { type: 'string' },
        'timeout-ms': { type: 'string' },
      },
    }, usage);
    const config = loadConfig({ flags: { strictness: values.strictness, dataDir: values['data-dir'] } });
    const timeoutMs = values['timeout-ms'] !== undefined ? Number(values['timeout-ms']) : undefined;
    if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs < 20_000)) {
      throw new UsageError('--timeout-ms: an integer of at least 20000');
    }
    const { prove, renderText, exitCodeOf } = await import('../prove/index.js');
    const report = await prove({ config, keep: values.keep, ...(timeoutMs ? { timeoutMs } : {}) });
    process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : `${renderText(report)}\n`);
    return exitCodeOf(report);
  },
};
