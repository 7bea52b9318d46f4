// The worker entry, run inside the jail: `node --max-old-space-size=N worker.js`.
// 1. import the converter modules of its family now (HERMETIC_WORKER_FAMILY: image, data, …;
//    the "warm" part: a job pays no import cost, and a data worker never loads sharp or pdfjs);
// 2. tell the server it is ready, with the catalog of what it can convert;
// 3. wait for exactly ONE job over IPC: read the input from in/, convert, write out/, reply;
// 4. stay idle until the server kills it (the server first reads our namespace counters).
// It never gets a second job, so no job can see another's data.
import { readFile, writeFile, rename, lstat } from 'node:fs/promises';
import { join, dirname, resolve } from 'node:path';
import { loadFamily, rehearse } from './converters/load.js';
import { isFamily } from './families.js';
import { ConverterRegistry } from './registry.js';
import { loadPlugins } from './plugins.js';
import { detectFormat } from './detect.js';
import { ConvertError, isConvertErrorCode } from './errors.js';
import { extOf, type FormatId } from './formats.js';
import { isJob, type JobMessage, type ReadyMessage, type ResultMessage } from './protocol.js';

/** The tripwire's stable error code (isolation/tripwire/types.ts NETWORK_BLOCKED_CODE). */
const TRIPWIRE_CODE = 'ERR_NETWORK_ISOLATED';

function send(msg: ReadyMessage | ResultMessage): Promise<void> {
  return new Promise((res) => {
    if (!process.send) { res(); return; }
    process.send(msg, undefined, {}, () => res());
  });
}

function toError(e: unknown): ConvertError {
  if (e instanceof ConvertError) return e;
  const err = e as (Error & { code?: unknown; package?: unknown; attempt?: { package?: string } }) | null;
  if (err?.code === TRIPWIRE_CODE) {
    const pkg = err.attempt?.package ?? (typeof err.package === 'string' ? err.package : 'unknown');
    return new ConvertError('NETWORK_VIOLATION', `the converter tried to use the network (${pkg}); the attempt was blocked`, { package: pkg });
  }
  if (err && isConvertErrorCode(err.code)) return new ConvertError(err.code, err.message);
  if (err?.code === 'ERR_ACCESS_DENIED') {
    // Node's permission model refused something the converter needed: a grant is missing (our
    // bug, or a plugin reaching outside its lane). Say what, so it can be fixed or reported.
    const d = err as unknown as { permission?: string; resource?: string };
    return new ConvertError('SANDBOX_DENIED', `the worker's permission model refused ${d.permission ?? 'an operation'}${d.resource ? ` on ${d.resource}` : ''}`, { permission: d.permission ?? null });
  }
  const msg = err?.message ?? String(e);
  if (/out of memory|allocation failed|Cannot allocate/i.test(msg)) return new ConvertError('OUT_OF_MEMORY', 'the conversion ran out of memory');
  return new ConvertError('INVALID_INPUT', `conversion failed: ${msg.split('\n')[0]}`);
}

/** info is shown to the user and stored: keep it small and flat (a plugin could return anything). */
function safeInfo(info: Record<string, unknown>): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(info).slice(0, 20)) {
    if (typeof v === 'number' || typeof v === 'boolean') out[k.slice(0, 64)] = v;
    else if (typeof v === 'string') out[k.slice(0, 64)] = v.slice(0, 200);
  }
  return out;
}

async function runJob(reg: ConverterRegistry, job: JobMessage): Promise<ResultMessage> {
  const started = Date.now();
  try {
    const input = await readFile(job.inputFile);
    const from = await detectFormat(input, { format: job.from, name: job.nameHint });
    const conv = reg.find(from, job.to, job.converter);
    const options = reg.parseOptions(conv, job.options);
    const more: { data: Buffer; from: FormatId }[] = [];
    if (job.more?.length) {
      if (!conv.manifest.multiInput) throw new ConvertError('NO_CONVERTER', `converter '${conv.manifest.id}' takes one input at a time`);
      for (const m of job.more) {
        const data = await readFile(m.inputFile);
        more.push({ data, from: await detectFormat(data, { format: m.from, name: m.nameHint }) });
      }
    }
    const out = await conv.convert({ data: input, from, to: job.to, ...(more.length ? { more } : {}) }, options);
    if (!Buffer.isBuffer(out?.data)) throw new ConvertError('INVALID_INPUT', `converter '${conv.manifest.id}' returned no data`);
    if (out.data.length > job.maxOutputBytes) throw new ConvertError('OUTPUT_TOO_LARGE', `the result is ${out.data.length} bytes (limit ${job.maxOutputBytes})`);
    // Write under a temporary name and rename: a killed worker leaves no half-written result.
    const outputFile = resolve(job.outputDir, `output.${extOf(out.format)}`);
    if (dirname(outputFile) !== resolve(job.outputDir)) throw new ConvertError('INVALID_INPUT', 'bad output path');
    const tmp = join(job.outputDir, '.partial');
    await writeFile(tmp, out.data, { mode: 0o600, flag: 'wx' });
    await rename(tmp, outputFile);
    const st = await lstat(outputFile);
    return { hermetic: 'result', jobId: job.jobId, ok: true, converter: conv.manifest.id, from, format: out.format, outputFile, bytes: st.size, convertMs: Date.now() - started, ...(out.info ? { info: safeInfo(out.info) } : {}), ...(out.warnings?.length ? { warnings: out.warnings.slice(0, 50).map((w) => String(w).slice(0, 500)) } : {}) };
  } catch (e) {
    const err = toError(e);
    return { hermetic: 'result', jobId: job.jobId, ok: false, error: { code: err.code, message: err.message, extra: err.extra } };
  }
}

/**
 * --max-old-space-size already sized THIS heap. A worker thread (tesseract.js runs one) refuses
 * it in an explicit execArgv, and the tripwire passes our execArgv on to every Worker so the
 * guard is preloaded there too: drop the flag from what is inherited.
 */
function dropPerProcessFlags(): void {
  const keep = process.execArgv.filter((a) => !/^--max-old-space-size(=|$)/.test(a));
  process.execArgv.splice(0, process.execArgv.length, ...keep);
}

async function main(): Promise<void> {
  if (!process.send) {
    console.error('hermetic worker: must be started by the server with an IPC channel');
    process.exit(2);
  }
  dropPerProcessFlags();
  const family = process.env.HERMETIC_WORKER_FAMILY ?? 'all';
  if (!isFamily(family)) throw new Error(`unknown worker family '${family}'`);
  // User modules only where they may be asked for: plugin workers and the catalog ('all').
  const plugins = family === 'plugin' || family === 'all' ? await loadPlugins(process.env.HERMETIC_CONVERTERS_DIR) : { converters: [], errors: [] };
  const builtins = await loadFamily(family);
  // A user plugin may predate a built-in of the same id (a hand-written 'pandoc'): reported, not fatal.
  const taken = new Set(builtins.map((c) => c.manifest.id));
  for (const c of plugins.converters.filter((p) => taken.has(p.manifest.id))) plugins.errors.push({ file: c.manifest.id, message: `converter id '${c.manifest.id}' is taken by a built-in converter; rename the plugin` });
  const reg = new ConverterRegistry(builtins, plugins.converters.filter((p) => !taken.has(p.manifest.id)));
  await rehearse(family, builtins);
  let busy = false;
  process.on('message', (m: unknown) => {
    if (!isJob(m) || busy) return; // one job per worker, ever
    busy = true;
    void runJob(reg, m).then(send);
  });
  // The server going away means nobody will ever read our result: leave.
  process.on('disconnect', () => process.exit(0));
  await send({ hermetic: 'ready', pid: process.pid, family, converters: reg.catalog(), pluginErrors: plugins.errors });
}

main().catch((e: unknown) => {
  console.error(`hermetic worker: failed to start: ${(e as Error).stack ?? String(e)}`);
  process.exit(1);
});
