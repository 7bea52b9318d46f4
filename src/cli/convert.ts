// `hermetic convert`: convert files on the command line, through the same warm, jailed workers
// the server uses (never in this process), with the runtime monitor watching them (policy,
// termination, namespace check) — no server needed. One invocation is ONE job (one trust
// domain): its files stream through the job's own workers, one per family, in parallel up to
// the pool size; the workers are killed when the job is done, and never serve anything else.
import { existsSync, statSync, mkdirSync, renameSync, copyFileSync, chmodSync } from 'node:fs';
import { resolve, dirname, join, basename } from 'node:path';
import { cpus } from 'node:os';
import type { Command } from './command.js';
import { EXIT, UsageError, parseCommandArgs } from './command.js';
import { loadConfig, STRICTNESS_LEVELS, type Config, type Strictness } from '../config/index.js';
import { spawn as jailSpawn, probe as jailProbe } from '../isolation/jail/index.js';
import { createMonitor } from '../isolation/monitor/index.js';
import { openEventStore } from '../events/index.js';
import { ConvertService, ConvertError, FORMAT_IDS, toFormatId, type FileView, type JobInput, type JobView } from '../convert/index.js';
import { forTerminal } from './terminal.js';

const usage = `Usage: hermetic convert INPUT... --to FORMAT [-o OUT | --out-dir DIR] [--opt KEY=VALUE]...
       hermetic convert --list

Converts the INPUTs as one job in jailed worker processes (no network: kernel namespaces,
seccomp, Landlock where available, plus the in-process tripwire), as many at once as there are
cores, and writes each result beside its input, to -o (one input, or --combine), or into
--out-dir. The workers serve this invocation only and are killed when it is done.

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

interface Outcome { input: string; output?: string; error?: { code: string; message: string } }

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
  const files = values.combine ? 1 : inputs.length;
  const concurrency = Math.max(1, Math.min(files, config.poolSize || cpus().length));
  // One-shot: nothing kept warm, no refills; a lane spawns its worker when the job starts.
  const svc = new ConvertService({ config, spawn: jailSpawn, store, monitor, poolSize: concurrency, replenish: false, prewarm: [], maxQueued: 1, buildCompileCache: false, detectTools: 'lazy' });
  svc.start();
  try {
    if (values.list) {
      for (const c of await svc.catalog()) {
        console.log(`${c.id.padEnd(14)} ${forTerminal(c.title)}${c.origin === 'plugin' ? ' [plugin]' : ''}`);
        console.log(`${''.padEnd(14)} ${c.pairs.map(([a, b]) => `${a}→${b}`).join(' ')}`);
      }
      return EXIT.OK;
    }
    const started = Date.now();
    const outcomes = await convertJob(svc, config, inputs, values, options);
    const failed = outcomes.filter((o) => o.error);
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    console.error(`hermetic convert: ${outcomes.length - failed.length} of ${outcomes.length} converted in ${secs} s${failed.length ? `; ${failed.length} failed:` : ''}`);
    for (const f of failed) console.error(`  ${forTerminal(f.input)}: ${f.error!.code}: ${forTerminal(f.error!.message)}`);
    return failed.length ? EXIT.FAILURE : EXIT.OK;
  } finally {
    await svc.close();
    monitor.stop();
    store.close();
  }
}

type Values = { progress?: boolean | undefined; to?: string | undefined; output?: string | undefined; 'out-dir'?: string | undefined; from?: string | undefined; converter?: string | undefined; force?: boolean | undefined; verbose?: boolean | undefined; combine?: boolean | undefined };

/** Check an input before it joins the job: a readable regular file within the upload limit. */
function checkInput(file: string, config: Config): { bytes: number } | { error: { code: string; message: string } } {
  let st;
  try { st = statSync(file); } catch { return { error: { code: 'FILE_NOT_FOUND', message: 'no such file' } }; }
  if (!st.isFile()) return { error: { code: 'FILE_NOT_FOUND', message: 'not a regular file' } };
  if (st.size > config.uploadLimitBytes) return { error: { code: 'INPUT_TOO_LARGE', message: `larger than ${config.uploadLimitBytes} bytes (uploadLimitBytes)` } };
  if (st.size === 0) return { error: { code: 'INVALID_INPUT', message: 'the file is empty' } };
  return { bytes: st.size };
}

/** Copy a finished file's result to where the user wants it (never over an existing file without --force). */
function deliver(svc: ConvertService, input: string, file: FileView, job: JobView, values: Values): Outcome {
  const result = svc.result(file.id);
  const out = outputPath(input, result.name, { output: values.output, outDir: values['out-dir'] });
  try {
    if (existsSync(out) && !values.force) return { input, error: { code: 'OUTPUT_EXISTS', message: `${out} exists; pass --force to overwrite, or -o / --out-dir` } };
    // Write beside the target and rename: an interrupted run leaves no half-written result.
    // (The result is private to us in the job folder, 0600; the user's copy gets their umask.)
    const tmp = `${out}.hermetic-partial`;
    copyFileSync(result.path, tmp);
    chmodSync(tmp, 0o666 & ~process.umask());
    renameSync(tmp, out);
  } finally {
    svc.discardResult(file.id);
  }
  const name = forTerminal(basename(input));
  const notes = [...(file.info && 'confidence' in file.info ? [`OCR confidence ${file.info['confidence']}%`] : []), ...file.warnings];
  for (const n of notes) console.error(`${name}: ${forTerminal(n)}`);
  if (values.verbose) {
    const w = file.worker ? `; worker pid ${file.worker.pid}` : '';
    console.error(`${name}: '${file.converter}' (${file.from} → ${job.to}) in ${file.durationMs} ms${w}; worker isolation: ${job.layers.join(', ') || 'NONE (no kernel layer available here)'}`);
  }
  console.log(forTerminal(out));
  return { input, output: out };
}

/** The whole invocation as one job; results are written as each file finishes. */
async function convertJob(svc: ConvertService, config: Config, inputs: string[], values: Values, options: Record<string, unknown>): Promise<Outcome[]> {
  const outcomes: (Outcome | undefined)[] = new Array<Outcome | undefined>(values.combine ? 1 : inputs.length);
  const checked = inputs.map((p) => ({ input: p, ...checkInput(p, config) }));
  const ok: { index: number; input: string; bytes: number }[] = [];
  checked.forEach((c, i) => { if ('error' in c) outcomes[values.combine ? 0 : i] ??= { input: c.input, error: c.error }; else ok.push({ index: i, input: c.input, bytes: c.bytes }); });
  if (values.combine && outcomes[0]) return [outcomes[0]];
  const progress = new Progress(outcomes.length, values.progress === true);
  let done = outcomes.filter(Boolean).length;
  let failedCount = done;
  progress.draw(done, failedCount);
  if (!ok.length) { progress.end(); return outcomes as Outcome[]; }
  const files: JobInput[] = ok.map((o) => ({ path: o.input, bytes: o.bytes, name: basename(o.input) }));
  let job: JobView;
  try {
    job = svc.submitJob({ to: values.to as string, from: values.from ?? null, converter: values.converter ?? null, options, files, combine: values.combine === true });
  } catch (e) {
    const error = { code: e instanceof ConvertError ? e.code : 'FAILED', message: (e as Error).message };
    for (const o of ok) outcomes[values.combine ? 0 : o.index] ??= { input: o.input, error };
    progress.end();
    return outcomes as Outcome[];
  }
  // Each file as it finishes: its result is written out (and deleted from the job folder) at once.
  const handled = new Set<string>();
  const onUpdate = (v: JobView): void => {
    if (v.id !== job.id) return;
    v.files.forEach((f, i) => {
      if (handled.has(f.id) || f.status === 'queued' || f.status === 'running') return;
      handled.add(f.id);
      const slot = ok[i]!;
      let o: Outcome;
      try {
        o = f.status === 'succeeded' ? deliver(svc, slot.input, f, v, values) : { input: slot.input, error: { code: f.error?.code ?? 'FAILED', message: f.error?.message ?? 'conversion failed' } };
      } catch (e) {
        o = { input: slot.input, error: { code: e instanceof ConvertError ? e.code : 'FAILED', message: (e as Error).message } };
      }
      outcomes[values.combine ? 0 : slot.index] = o;
      done++;
      if (o.error) failedCount++;
      progress.draw(done, failedCount);
    });
  };
  const off = svc.onJobUpdate(onUpdate);
  try {
    onUpdate(await svc.wait(job.id));
  } finally {
    off();
  }
  progress.end();
  return outcomes as Outcome[];
}

export const command: Command = {
  name: 'convert',
  summary: 'Convert files in jailed, offline workers',
  usage,
  run,
};
