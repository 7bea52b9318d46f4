// The worker entry, run inside the jail: `node --max-old-space-size=N worker.js`.
// 1. import the converter modules of its family now (HERMETIC_WORKER_FAMILY: image, data, …;
//    the "warm" part: a job pays no import cost, and a data worker never loads sharp or pdfjs);
// 2. tell the server it is ready (and where its start-up CPU went);
// 3. convert the files of ONE job, one at a time, as the server sends them: read the input from
//    in/, convert, write out/, reply. The first task binds the worker to its job; a task of any
//    other job makes it exit at once (the server never sends one: this is the second lock);
// 4. stay until the server kills it (it first reads our namespace counters).
// It never serves a second job, so no job can see another's data.
//
// Only tiny modules are imported statically: the heavy ones (zod, file-type, the converters)
// are loaded in main(), so the start-up breakdown can tell Node + tripwire from the imports.
import { isJob, type JobMessage, type ReadyMessage, type ResultMessage, type StartupTiming } from './protocol.js';
import { isBuiltinFamily, isFamily, type Family } from './families.js';
import { capThreadCodeRange } from './worker-threads.js';
import { leanZodLocales } from './lean-imports.js';

type Registry = import('./registry.js').ConverterRegistry;
type Detect = typeof import('./detect.js').detectFormat;
type Errors = typeof import('./errors.js');

/** The tripwire's stable error code (isolation/tripwire/types.ts NETWORK_BLOCKED_CODE). */
const TRIPWIRE_CODE = 'ERR_NETWORK_ISOLATED';

function send(msg: ReadyMessage | ResultMessage | { hermetic: 'built'; files: number }): Promise<void> {
  return new Promise((res) => {
    if (!process.send) { res(); return; }
    process.send(msg, undefined, {}, () => res());
  });
}

function mark(): { cpuMs: number; wallMs: number } {
  const u = process.cpuUsage();
  return { cpuMs: Math.round((u.user + u.system) / 1000), wallMs: Math.round(performance.now()) };
}

function toError(E: Errors, e: unknown): InstanceType<Errors['ConvertError']> {
  if (e instanceof E.ConvertError) return e;
  const err = e as (Error & { code?: unknown; package?: unknown; attempt?: { package?: string } }) | null;
  if (err?.code === TRIPWIRE_CODE) {
    const pkg = err.attempt?.package ?? (typeof err.package === 'string' ? err.package : 'unknown');
    return new E.ConvertError('NETWORK_VIOLATION', `the converter tried to use the network (${pkg}); the attempt was blocked`, { package: pkg });
  }
  if (err && E.isConvertErrorCode(err.code)) return new E.ConvertError(err.code, err.message);
  if (err?.code === 'ERR_ACCESS_DENIED') {
    // Node's permission model refused something the converter needed: a grant is missing (our
    // bug, or a plugin reaching outside its lane). Say what, so it can be fixed or reported.
    const d = err as unknown as { permission?: string; resource?: string };
    return new E.ConvertError('SANDBOX_DENIED', `the worker's permission model refused ${d.permission ?? 'an operation'}${d.resource ? ` on ${d.resource}` : ''}`, { permission: d.permission ?? null });
  }
  const msg = err?.message ?? String(e);
  if (/out of memory|allocation failed|Cannot allocate/i.test(msg)) return new E.ConvertError('OUT_OF_MEMORY', 'the conversion ran out of memory');
  return new E.ConvertError('INVALID_INPUT', `conversion failed: ${msg.split('\n')[0]}`);
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

interface Engine { reg: Registry; detect: Detect; E: Errors; fs: typeof import('node:fs/promises'); path: typeof import('node:path') }

async function runTask(x: Engine, job: JobMessage): Promise<ResultMessage> {
  const started = Date.now();
  const ids = { jobId: job.jobId, ...(job.taskId ? { taskId: job.taskId } : {}) };
  const { fs, path, E } = x;
  try {
    const input = await fs.readFile(job.inputFile);
    const from = await x.detect(input, { format: job.from, name: job.nameHint });
    const conv = x.reg.find(from, job.to, job.converter);
    const options = x.reg.parseOptions(conv, job.options);
    const more: { data: Buffer; from: import('./formats.js').FormatId }[] = [];
    if (job.more?.length) {
      if (!conv.manifest.multiInput) throw new E.ConvertError('NO_CONVERTER', `converter '${conv.manifest.id}' takes one input at a time`);
      for (const m of job.more) {
        const data = await fs.readFile(m.inputFile);
        more.push({ data, from: await x.detect(data, { format: m.from, name: m.nameHint }) });
      }
    }
    const out = await conv.convert({ data: input, from, to: job.to, ...(more.length ? { more } : {}) }, options);
    if (!Buffer.isBuffer(out?.data)) throw new E.ConvertError('INVALID_INPUT', `converter '${conv.manifest.id}' returned no data`);
    if (out.data.length > job.maxOutputBytes) throw new E.ConvertError('OUTPUT_TOO_LARGE', `the result is ${out.data.length} bytes (limit ${job.maxOutputBytes})`);
    const { extOf } = await import('./formats.js');
    // Write under a temporary name and rename: a killed worker leaves no half-written result.
    const outputFile = path.resolve(job.outputDir, `output.${extOf(out.format)}`);
    if (path.dirname(outputFile) !== path.resolve(job.outputDir)) throw new E.ConvertError('INVALID_INPUT', 'bad output path');
    const tmp = path.join(job.outputDir, '.partial');
    await fs.rm(tmp, { force: true });
    await fs.writeFile(tmp, out.data, { mode: 0o600, flag: 'wx' });
    await fs.rename(tmp, outputFile);
    const st = await fs.lstat(outputFile);
    return { hermetic: 'result', ...ids, ok: true, converter: conv.manifest.id, from, format: out.format, outputFile, bytes: st.size, convertMs: Date.now() - started, ...(out.info ? { info: safeInfo(out.info) } : {}), ...(out.warnings?.length ? { warnings: out.warnings.slice(0, 50).map((w) => String(w).slice(0, 500)) } : {}) };
  } catch (e) {
    const err = toError(E, e);
    return { hermetic: 'result', ...ids, ok: false, error: { code: err.code, message: err.message, extra: err.extra } };
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

/** The compile cache in use, if any (NODE_COMPILE_CACHE, accepted by Node). */
async function compileCacheDir(): Promise<string | undefined> {
  const m = (await import('node:module')) as { getCompileCacheDir?: () => string | undefined };
  return m.getCompileCacheDir?.();
}

/**
 * Build mode (HERMETIC_WORKER_MODE=build-cache): import and rehearse every built-in family with
 * a writable NODE_COMPILE_CACHE, write the cache, say so, and wait to be killed. It never gets
 * a job: it sees no user data, so what it writes is what every worker would compile anyway.
 */
async function buildCache(): Promise<void> {
  const { BUILTIN_FAMILIES } = await import('./families.js');
  const { importFamily, rehearse } = await import('./converters/load.js');
  const { detectFormat } = await import('./detect.js');
  await import('./registry.js');
  await detectFormat(Buffer.from('a: 1\n'), { format: 'yaml' });
  // Every library of every family, not just what a fresh worker preloads.
  process.env.HERMETIC_WORKER_PAIRS = 'docx:md,html:txt,md:html,yaml:toml,csv:json';
  for (const f of BUILTIN_FAMILIES) {
    // The OCR engine's start is a worker thread + wasm: its JS is cached by importing the module.
    const fam = await importFamily(f);
    if (f !== 'ocr') { await fam.warm(); await rehearse(f, fam.converters); }
  }
  const m = (await import('node:module')) as { flushCompileCache?: () => void };
  m.flushCompileCache?.();
  const dir = await compileCacheDir();
  const files = dir ? (await (await import('node:fs/promises')).readdir(dir)).length : 0;
  await send({ hermetic: 'built', files });
}

async function main(): Promise<void> {
  if (!process.send) {
    console.error('hermetic worker: must be started by the server with an IPC channel');
    process.exit(2);
  }
  const boot = mark();
  dropPerProcessFlags();
  capThreadCodeRange();
  // The server going away means nobody will ever read our result: leave.
  process.on('disconnect', () => process.exit(0));
  if (process.env.HERMETIC_WORKER_MODE === 'build-cache') { await buildCache(); return; }
  const family = process.env.HERMETIC_WORKER_FAMILY ?? 'all';
  if (!isFamily(family)) throw new Error(`unknown worker family '${family}'`);
  // The bundle (dist/bundle/worker, an .mjs) has zod's English locale alone built in.
  if (isBuiltinFamily(family) && !import.meta.url.endsWith('.mjs')) leanZodLocales();
  const [E, { importFamily, rehearse }, { ConverterRegistry }, { detectFormat }, fs, path] = await Promise.all([
    import('./errors.js'), import('./converters/load.js'), import('./registry.js'), import('./detect.js'),
    import('node:fs/promises'), import('node:path'),
  ]);
  // User modules only where they may be asked for: plugin workers and the catalog ('all'). The
  // loader itself too: it builds the config's schema on import, CPU a built-in family never needs.
  const plugins = isBuiltinFamily(family)
    ? { converters: [], errors: [] }
    : await (await import('./plugins.js')).loadPlugins(process.env.HERMETIC_CONVERTERS_DIR);
  const fam = await importFamily(family as Family);
  // A user plugin may predate a built-in of the same id (a hand-written 'pandoc'): reported, not fatal.
  const taken = new Set(fam.converters.map((c) => c.manifest.id));
  for (const c of plugins.converters.filter((p) => taken.has(p.manifest.id))) plugins.errors.push({ file: c.manifest.id, message: `converter id '${c.manifest.id}' is taken by a built-in converter; rename the plugin` });
  const reg = new ConverterRegistry(fam.converters, plugins.converters.filter((p) => !taken.has(p.manifest.id)));
  const imports = mark();
  await fam.warm();
  await rehearse(family as Family, fam.converters);
  const warm = mark();
  const x: Engine = { reg, detect: detectFormat, E, fs, path };
  let boundJob: string | null = null;
  let chain: Promise<void> = Promise.resolve();
  process.on('message', (m: unknown) => {
    if (!isJob(m)) return;
    boundJob ??= m.jobId;
    // A task of another job: never run it, never answer it. Exiting fails closed.
    if (m.jobId !== boundJob) process.exit(70);
    chain = chain.then(() => runTask(x, m).then(send));
  });
  const timing: StartupTiming = { boot, imports: { cpuMs: imports.cpuMs - boot.cpuMs, wallMs: imports.wallMs - boot.wallMs }, warm: { cpuMs: warm.cpuMs - imports.cpuMs, wallMs: warm.wallMs - imports.wallMs } };
  const cacheDir = await compileCacheDir();
  // Only an 'all' worker's catalog is used (the pool asks one for it); describing every option
  // schema as JSON Schema costs a family worker CPU for nothing.
  await send({ hermetic: 'ready', pid: process.pid, family, converters: family === 'all' ? reg.catalog() : [], pluginErrors: plugins.errors, timing, ...(cacheDir ? { compileCache: cacheDir } : {}) });
}

main().catch((e: unknown) => {
  console.error(`hermetic worker: failed to start: ${(e as Error).stack ?? String(e)}`);
  process.exit(1);
});
