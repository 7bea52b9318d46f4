// `hermetic convert`: convert files on the command line, through the same warm, single-use,
// jailed workers the server uses (never in this process), with the runtime monitor watching
// them (policy, termination, namespace check) — no server needed.
import { readFileSync, writeFileSync, existsSync, statSync, mkdirSync, renameSync } from 'node:fs';
import { resolve, dirname, join, basename } from 'node:path';
import { cpus } from 'node:os';
import type { Command } from './command.js';
import { EXIT, UsageError, parseCommandArgs } from './command.js';
import { loadConfig, STRICTNESS_LEVELS, type Config, type Strictness } from '../config/index.js';
import { spawn as jailSpawn, probe as jailProbe } from '../isolation/jail/index.js';
import { createMonitor } from '../isolation/monitor/index.js';
import { openEventStore } from '../events/index.js';
import { ConvertService, ConvertError, FORMAT_IDS, toFormatId, type JobView } from '../convert/index.js';

const usage = `Usage: hermetic convert INPUT... --to FORMAT [-o OUT | --out-dir DIR] [--opt KEY=VALUE]...
       hermetic convert --list

Converts each INPUT in a jailed worker process (no network: kernel namespaces, seccomp, Landlock
where available, plus the in-process tripwire) and writes the result beside it, to -o (one
input, or --combine), or into --out-dir.

Options:
  -t, --to FORMAT        output format: ${FORMAT_IDS.join(', ')}
  -o, --output FILE      where to write the result (one INPUT, or --combine)
      --out-dir DIR      write every result into DIR (created if missing)
      --from FORMAT      input format, when the name does not say (the content is checked anyway)
      --converter ID     use this converter (e.g. a user converter from the converters folder)
      --opt KEY=VALUE    converter option (repeatable), e.g. --opt width=800 (alias: --option)
      --combine          all INPUTs are the inputs of ONE job (PDF merge, images → one PDF)
      --converters DIR   folder of user converter modules (.mjs; default <data dir>/converters)
      --force            overwrite existing output files
      --strictness LEVEL ${STRICTNESS_LEVELS.join(' | ')} (strict: refuse unless a kernel layer is in force)
      --data-dir DIR     data folder (job folders, job records)
      --list             list converters and what they convert
  -v, --verbose          print the isolation layers each worker ran under
      --progress         draw the progress bar even when stderr is not a terminal

A progress bar is shown on a terminal for batches; a summary line is always printed (stderr).
Exit codes: 0 all converted, 1 any file failed (each is named with its error code and why),
2 usage error.`;

function parseOption(kv: string): [string, unknown] {
  const i = kv.indexOf('=');
  if (i <= 0) throw new UsageError(`--opt ${kv}: expected KEY=VALUE`);
  const key = kv.slice(0, i);
  const raw = kv.slice(i + 1);
  // Numbers and booleans as such; the converter's schema coerces and validates anyway.
  const value: unknown = raw === 'true' ? true : raw === 'false' ? false : raw !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  return [key, value];
}

interface Outcome { input: string; output?: string; job?: JobView; error?: { code: string; message: string } }

/** One line, redrawn in place on a terminal: [#####-----] 5/10  ok 4  failed 1. */
class Progress {
  private readonly on: boolean;
  constructor(private readonly total: number, force: boolean) { this.on = total > 1 && (force || process.stderr.isTTY === true); }
  draw(done: number, failed: number): void {
    if (!this.on) return;
    const width = 24;
    const fill = Math.round((done / this.total) * width);
    process.stderr.write(`\r[${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ${done}/${this.total}  ok ${done - failed}  failed ${failed} `);
  }
  end(): void { if (this.on) process.stderr.write('\n'); }
}

function outputPath(input: string, resultName: string, o: { output?: string | undefined; outDir?: string | undefined }): string {
  if (o.output) return resolve(o.output);
  return join(o.outDir ? resolve(o.outDir) : dirname(input), resultName);
}

async function run(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: {
      to: { type: 'string', short: 't' },
      output: { type: 'string', short: 'o' },
      'out-dir': { type: 'string' },
      from: { type: 'string' },
      converter: { type: 'string' },
      opt: { type: 'string', multiple: true },
      option: { type: 'string', multiple: true },
      combine: { type: 'boolean', default: false },
      converters: { type: 'string' },
      force: { type: 'boolean', default: false },
      strictness: { type: 'string' },
      'data-dir': { type: 'string' },
      list: { type: 'boolean', default: false },
      verbose: { type: 'boolean', short: 'v', default: false },
      progress: { type: 'boolean', default: false },
    },
  }, usage);
  const { values, positionals } = parsed;
  if (values.strictness && !(STRICTNESS_LEVELS as readonly string[]).includes(values.strictness)) throw new UsageError(`--strictness: one of ${STRICTNESS_LEVELS.join(', ')}`);
  const config = loadConfig({ flags: { dataDir: values['data-dir'], strictness: values.strictness as Strictness | undefined, ...(values.converters ? { convertersDir: resolve(values.converters) } : {}) } });

  const inputs = positionals.map((p) => resolve(p));
  if (!values.list) {
    if (!inputs.length) throw new UsageError(`at least one INPUT file is expected\n\n${usage}`);
    if (!values.to) throw new UsageError(`--to is required\n\n${usage}`);
    if (!toFormatId(values.to)) throw new UsageError(`--to ${values.to}: unknown format (one of ${FORMAT_IDS.join(', ')})`);
    if (values.from && !toFormatId(values.from)) throw new UsageError(`--from ${values.from}: unknown format`);
    if (values.output && inputs.length > 1 && !values.combine) throw new UsageError('-o names one output file: use --out-dir for several inputs (or --combine)');
    if (values.output && values['out-dir']) throw new UsageError('-o and --out-dir exclude each other');
  }
  const options = Object.fromEntries([...(values.opt ?? []), ...(values.option ?? [])].map(parseOption));
  if (values['out-dir']) mkdirSync(resolve(values['out-dir']), { recursive: true });

  const store = openEventStore(config);
  // The monitor applies the strictness policy to worker attempts and checks each worker's
  // namespace counters after its job, exactly as in the server. This process runs no converter
  // code (the workers' tripwires report over IPC), and its start/stop are the jobs' lifecycle
  // (the jobs table): a quiet conversion writes no security event.
  const monitor = createMonitor({ config, store, tripwireScope: 'workers', lifecycleEvents: false, seccompProbe: () => jailProbe().layers.seccomp });
  monitor.start();
  const jobs = values.combine ? 1 : inputs.length;
  const concurrency = Math.max(1, Math.min(jobs, config.poolSize || cpus().length));
  // One-shot: nothing kept warm up front; a batch keeps the next worker warming while one runs.
  const svc = new ConvertService({ config, spawn: jailSpawn, store, monitor, poolSize: concurrency, replenish: jobs > 1, prewarm: [], maxQueued: concurrency, detectTools: 'lazy' });
  svc.start();
  try {
    if (values.list) {
      for (const c of await svc.catalog()) {
        console.log(`${c.id.padEnd(14)} ${c.title}${c.origin === 'plugin' ? ' [plugin]' : ''}`);
        console.log(`${''.padEnd(14)} ${c.pairs.map(([a, b]) => `${a}→${b}`).join(' ')}`);
      }
      return EXIT.OK;
    }
    const started = Date.now();
    const outcomes = values.combine
      ? [await convertOne(svc, config, inputs[0]!, inputs.slice(1), values, options)]
      : await convertAll(svc, config, inputs, values, options, concurrency);
    const failed = outcomes.filter((o) => o.error);
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    console.error(`hermetic convert: ${outcomes.length - failed.length} of ${outcomes.length} converted in ${secs} s${failed.length ? `; ${failed.length} failed:` : ''}`);
    for (const f of failed) console.error(`  ${f.input}: ${f.error!.code}: ${f.error!.message}`);
    return failed.length ? EXIT.FAILURE : EXIT.OK;
  } finally {
    await svc.close();
    monitor.stop();
    store.close();
  }
}

type Values = { progress?: boolean | undefined; to?: string | undefined; output?: string | undefined; 'out-dir'?: string | undefined; from?: string | undefined; converter?: string | undefined; force?: boolean | undefined; verbose?: boolean | undefined };

async function convertAll(svc: ConvertService, config: Config, inputs: string[], values: Values, options: Record<string, unknown>, concurrency: number): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array<Outcome>(inputs.length);
  const progress = new Progress(inputs.length, values.progress === true);
  let next = 0;
  let done = 0;
  let failed = 0;
  progress.draw(0, 0);
  // `concurrency` lanes, each taking the next file: the queue never overflows (the CLI waits
  // instead of getting QUEUE_FULL) and only the files being converted are held in memory.
  const lane = async (): Promise<void> => {
    while (next < inputs.length) {
      const i = next++;
      outcomes[i] = await convertOne(svc, config, inputs[i]!, [], values, options);
      done++;
      if (outcomes[i].error) failed++;
      progress.draw(done, failed);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  progress.end();
  return outcomes;
}

function readInput(file: string, config: Config): Buffer {
  if (!existsSync(file) || !statSync(file).isFile()) throw Object.assign(new Error('no such file'), { code: 'FILE_NOT_FOUND' });
  if (statSync(file).size > config.uploadLimitBytes) throw new ConvertError('INPUT_TOO_LARGE', `larger than ${config.uploadLimitBytes} bytes (uploadLimitBytes)`);
  return readFileSync(file);
}

async function convertOne(svc: ConvertService, config: Config, input: string, more: string[], values: Values, options: Record<string, unknown>): Promise<Outcome> {
  try {
    const data = readInput(input, config);
    const extra = more.map((m) => ({ data: readInput(m, config), name: basename(m) }));
    const job = await svc.convert({ data, to: values.to as string, from: values.from ?? null, name: basename(input), converter: values.converter ?? null, options, ...(extra.length ? { more: extra } : {}) });
    if (job.status !== 'succeeded' || !job.result) return { input, job, error: { code: job.error?.code ?? 'FAILED', message: job.error?.message ?? 'conversion failed' } };
    const result = svc.result(job.id);
    const out = outputPath(input, result.name, { output: values.output, outDir: values['out-dir'] });
    if (existsSync(out) && !values.force) {
      svc.discardResult(job.id);
      return { input, job, error: { code: 'OUTPUT_EXISTS', message: `${out} exists; pass --force to overwrite, or -o / --out-dir` } };
    }
    // Write beside the target and rename: an interrupted run leaves no half-written result.
    const tmp = `${out}.hermetic-partial`;
    writeFileSync(tmp, readFileSync(result.path), { mode: 0o644 });
    renameSync(tmp, out);
    svc.discardResult(job.id);
    const notes = [
      ...(job.info && 'confidence' in job.info ? [`OCR confidence ${job.info['confidence']}%`] : []),
      ...job.warnings,
    ];
    for (const n of notes) console.error(`${basename(input)}: ${n}`);
    if (values.verbose) console.error(`${basename(input)}: '${job.converter}' (${job.from} → ${job.to}) in ${job.durationMs} ms; worker isolation: ${job.layers.join(', ') || 'NONE (no kernel layer available here)'}`);
    console.log(out);
    return { input, output: out, job };
  } catch (e) {
    const code = e instanceof ConvertError ? e.code : (e as { code?: unknown }).code === 'FILE_NOT_FOUND' ? 'FILE_NOT_FOUND' : 'FAILED';
    return { input, error: { code, message: (e as Error).message } };
  }
}

export const command: Command = {
  name: 'convert',
  summary: 'Convert files in jailed, offline workers',
  usage,
  run,
};
