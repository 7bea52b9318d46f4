// `hermetic convert`: convert one file on the command line, through the same warm, single-use,
// jailed worker the server uses (never in this process), and write the result next to it.
import { readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { resolve, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Command } from './command.js';
import { EXIT, UsageError } from './command.js';
import { loadConfig, STRICTNESS_LEVELS, type Strictness } from '../config/index.js';
import { spawn as jailSpawn } from '../isolation/jail/index.js';
import { openEventStore } from '../events/index.js';
import { ConvertService, FORMAT_IDS, toFormatId } from '../convert/index.js';

const usage = `Usage: hermetic convert INPUT --to FORMAT [options]
       hermetic convert --list

Converts INPUT in a jailed worker process (no network: kernel namespaces, seccomp, Landlock
where available, plus the in-process tripwire) and writes the result beside it, or to -o.

Options:
  -t, --to FORMAT        output format: ${FORMAT_IDS.join(', ')}
  -o, --output FILE      where to write the result (default: INPUT's name with the new extension;
                         an existing file is not overwritten without --force)
      --from FORMAT      input format, when the name does not say (the content is checked anyway)
      --converter ID     use this converter (e.g. a plugin from the converters folder)
      --option KEY=VALUE converter option (repeatable), e.g. --option width=800
      --force            overwrite the output file
      --strictness LEVEL ${STRICTNESS_LEVELS.join(' | ')} (strict: refuse unless a kernel layer is in force)
      --data-dir DIR     data folder (job folders, job records)
      --list             list converters and what they convert
  -v, --verbose          print the isolation layers the worker ran under

Exit codes: 0 converted, 1 conversion failed (the error code is printed), 2 usage error.`;

function parseOption(kv: string): [string, unknown] {
  const i = kv.indexOf('=');
  if (i <= 0) throw new UsageError(`--option ${kv}: expected KEY=VALUE`);
  const key = kv.slice(0, i);
  const raw = kv.slice(i + 1);
  // Numbers and booleans as such; the converter's schema coerces and validates anyway.
  const value: unknown = raw === 'true' ? true : raw === 'false' ? false : raw !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  return [key, value];
}

async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        to: { type: 'string', short: 't' },
        output: { type: 'string', short: 'o' },
        from: { type: 'string' },
        converter: { type: 'string' },
        option: { type: 'string', multiple: true },
        force: { type: 'boolean', default: false },
        strictness: { type: 'string' },
        'data-dir': { type: 'string' },
        list: { type: 'boolean', default: false },
        verbose: { type: 'boolean', short: 'v', default: false },
      },
    });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n\n${usage}`);
  }
  const { values, positionals } = parsed;
  if (values.strictness && !(STRICTNESS_LEVELS as readonly string[]).includes(values.strictness)) throw new UsageError(`--strictness: one of ${STRICTNESS_LEVELS.join(', ')}`);
  const config = loadConfig({ flags: { dataDir: values['data-dir'], strictness: values.strictness as Strictness | undefined } });

  let input: string | undefined;
  let to: string | undefined;
  if (!values.list) {
    input = positionals[0];
    if (!input || positionals.length > 1) throw new UsageError(`exactly one INPUT file is expected\n\n${usage}`);
    if (!values.to) throw new UsageError(`--to is required\n\n${usage}`);
    if (!toFormatId(values.to)) throw new UsageError(`--to ${values.to}: unknown format (one of ${FORMAT_IDS.join(', ')})`);
    to = values.to;
    if (values.from && !toFormatId(values.from)) throw new UsageError(`--from ${values.from}: unknown format`);
    input = resolve(input);
    if (!existsSync(input) || !statSync(input).isFile()) { console.error(`hermetic convert: ${input}: no such file`); return EXIT.FAILURE; }
    if (statSync(input).size > config.uploadLimitBytes) { console.error(`hermetic convert: INPUT_TOO_LARGE: larger than ${config.uploadLimitBytes} bytes (uploadLimitBytes)`); return EXIT.FAILURE; }
  }
  const options = Object.fromEntries((values.option ?? []).map(parseOption));

  const store = openEventStore(config);
  const svc = new ConvertService({ config, spawn: jailSpawn, store, poolSize: 1, replenish: false });
  svc.start();
  try {
    if (values.list) {
      for (const c of await svc.catalog()) {
        console.log(`${c.id.padEnd(14)} ${c.title}${c.origin === 'plugin' ? ' [plugin]' : ''}`);
        console.log(`${''.padEnd(14)} ${c.pairs.map(([a, b]) => `${a}→${b}`).join(' ')}`);
      }
      return EXIT.OK;
    }
    const data = readFileSync(input as string);
    const job = await svc.convert({ data, to: to as string, from: values.from ?? null, name: input as string, converter: values.converter ?? null, options });
    if (job.status !== 'succeeded' || !job.result) {
      console.error(`hermetic convert: ${job.error?.code ?? 'FAILED'}: ${job.error?.message ?? 'conversion failed'}`);
      return EXIT.FAILURE;
    }
    const result = svc.result(job.id);
    const out = values.output ? resolve(values.output) : join(dirname(input as string), result.name);
    if (existsSync(out) && !values.force) {
      console.error(`hermetic convert: ${out} exists; pass --force to overwrite or -o to choose another name`);
      return EXIT.FAILURE;
    }
    writeFileSync(out, readFileSync(result.path), { mode: 0o644 });
    if (values.verbose) console.error(`converted with '${job.converter}' (${job.from} → ${job.to}) in ${job.durationMs} ms; worker isolation: ${job.layers.join(', ') || 'NONE (no kernel layer available here)'}`);
    console.log(out);
    return EXIT.OK;
  } finally {
    await svc.close();
    store.close();
  }
}

export const command: Command = {
  name: 'convert',
  summary: 'Convert a file in a jailed, offline worker',
  usage,
  run,
};
