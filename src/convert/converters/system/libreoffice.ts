// Office documents through LibreOffice, driven by native/office.c as the jailed worker's child.
// Per job: a fresh user profile in the worker's private scratch/ (macros off, links from untrusted
// documents blocked, links never updated, Java off). Text documents and presentations go through
// LibreOfficeKit, started when the worker warms up — before any job — so the job pays only
// load + save. Spreadsheets go through LibreOffice's own command-line conversion in the same
// driver (LOK opens documents with a view, and Calc's view needs UI files the -nogui packages
// leave out); it reuses the profile the warm start created. Either way the office process takes
// exactly one document and exits; the worker is then killed with its whole tree and job folder,
// so no instance ever sees two jobs' data.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { z } from 'zod';
import type { Converter } from '../../types.js';
import { ConvertError } from '../../errors.js';
import { extOf, type FormatId } from '../../formats.js';
import { inspectZip } from '../../guards/index.js';
import { officeHelperPath } from '../../system-tools.js';
import { detectedTools, readResult, scratchDir, systemManifest, toolEnv, toolOf } from './run.js';
import { referenceWarnings, scanOfficePackage, type DocumentScan } from './references.js';

const options = z.object({}).strict();

/** ZIP-based office formats: the archive guard runs, and the package is scanned for references. */
const ZIPPED = new Set<FormatId>(['docx', 'xlsx', 'pptx', 'odt', 'ods', 'odp']);
/** Spreadsheets: the command-line path (see the header). */
const CALC = new Set<FormatId>(['xlsx', 'xls', 'ods']);

/**
 * The user profile every job starts from. Macro execution is disabled outright (and LOK loads
 * with NEVER_EXECUTE anyway); BlockUntrustedRefererLinks stops linked images and objects of a
 * document from an untrusted location (every input is one) from being fetched; links are never
 * updated (Writer 0 = never, Calc 1 = never); the update check and usage collection are off.
 * The jail would refuse every fetch regardless — these settings make LibreOffice not try, so
 * a hostile document neither hangs the job nor trips the monitor.
 */
const REGISTRY = `<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
${[
    ['/org.openoffice.Office.Common/Security/Scripting', 'MacroSecurityLevel', 'int', '3'],
    ['/org.openoffice.Office.Common/Security/Scripting', 'DisableMacrosExecution', 'boolean', 'true'],
    ['/org.openoffice.Office.Common/Security/Scripting', 'BlockUntrustedRefererLinks', 'boolean', 'true'],
    ['/org.openoffice.Office.Common/Security/Scripting', 'DisableActiveContent', 'boolean', 'true'],
    ['/org.openoffice.Office.Common/Security/Scripting', 'DisableOLEAutomation', 'boolean', 'true'],
    ['/org.openoffice.Office.Writer/Content/Update', 'Link', 'int', '0'],
    ['/org.openoffice.Office.Calc/Content/Update', 'Link', 'int', '1'],
    ['/org.openoffice.Office.Common/Misc', 'CollectUsageInformation', 'boolean', 'false'],
    ["/org.openoffice.Office.Jobs/Jobs/org.openoffice.Office.Jobs:Job['UpdateCheck']/Arguments", 'AutoCheckEnabled', 'boolean', 'false'],
  ].map(([path, name, type, value]) => `<item oor:path="${path}"><prop oor:name="${name}" oor:op="fuse" oor:type="xs:${type}"><value>${value}</value></prop></item>`).join('\n')}
</oor:items>
`;

/** Java is never started (some filters and Base would): disabled in the profile. */
const JAVA_SETTINGS = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<java xmlns="http://openoffice.org/2004/java/framework/1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <enabled xsi:nil="false">false</enabled>
  <userClassPath xsi:nil="true"/>
  <vmParameters xsi:nil="true"/>
  <jreLocations xsi:nil="true"/>
  <javaInfo xsi:nil="true"/>
</java>
`;

function writeProfile(profile: string): void {
  mkdirSync(join(profile, 'user', 'config'), { recursive: true, mode: 0o700 });
  writeFileSync(join(profile, 'user', 'registrymodifications.xcu'), REGISTRY, { mode: 0o600 });
  for (const arch of ['X86_64', 'AARCH64', 'X86']) writeFileSync(join(profile, 'user', 'config', `javasettings_Linux_${arch}.xml`), JAVA_SETTINGS, { mode: 0o600 });
}

interface Office {
  proc: ChildProcess;
  lines: Interface;
  dir: string;
  profile: string;
  startMs: number;
  next(): Promise<string | null>;
}

const OFFICE_ENV = { SAL_USE_VCLPLUGIN: 'svp', GSETTINGS_BACKEND: 'memory', NO_AT_BRIDGE: '1', SAL_DISABLEGL: '1', SAL_DISABLE_OPENCL: '1' };

/** The driver's stdout as lines: next() is the next one, or null once it has exited. */
function lineReader(proc: ChildProcess): { lines: Interface; next(): Promise<string | null> } {
  let tail = '';
  proc.stderr!.on('data', (b: Buffer) => { tail = (tail + b.toString('utf8')).slice(-4096); });
  proc.stdin?.on('error', () => {});
  const lines = createInterface({ input: proc.stdout! });
  const queue: string[] = [];
  const waiting: ((l: string | null) => void)[] = [];
  let closed = false;
  lines.on('line', (l) => { const w = waiting.shift(); if (w) w(l); else queue.push(l); });
  const end = (): void => { closed = true; for (const w of waiting.splice(0)) w(null); };
  proc.once('close', () => { if (tail) process.stderr.write(`[hermetic-office] ${tail.slice(-2000)}\n`); end(); });
  proc.once('error', end);
  return { lines, next: () => (queue.length ? Promise.resolve(queue.shift()!) : closed ? Promise.resolve(null) : new Promise((r) => waiting.push(r))) };
}

let office: Promise<Office> | null = null;

function startOffice(): Promise<Office> {
  office ??= (async () => {
    const lo = toolOf('libreoffice');
    const dir = scratchDir('office');
    const profile = join(dir, 'profile');
    writeProfile(profile);
    const t0 = Date.now();
    const proc = spawn(officeHelperPath, ['lok', lo.detail.programDir as string, profile], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'], env: toolEnv(dir, OFFICE_ENV) });
    const { lines, next } = lineReader(proc);
    const ready = await next();
    if (!ready?.startsWith('ready')) {
      proc.kill('SIGKILL');
      throw new ConvertError('UNAVAILABLE', `LibreOffice did not start here: ${ready ?? `exited (${proc.exitCode ?? proc.signalCode})`}`, { converter: 'libreoffice' });
    }
    return { proc, lines, dir, profile, startMs: Date.now() - t0, next };
  })();
  return office;
}

/**
 * Warm-up of an `office` worker: start LibreOffice (fresh profile, no document) so the job finds
 * it ready. Skipped when LibreOffice is not available: the job then answers UNAVAILABLE.
 */
export async function warm(): Promise<void> {
  if (!detectedTools().get('libreoffice')?.available) return;
  // A start-up failure is kept for the job to report (UNAVAILABLE, with the reason); failing the
  // warm-up instead would make the pool retry the worker forever.
  await startOffice().catch(() => undefined);
}

async function scanInput(data: Buffer, from: FormatId): Promise<DocumentScan> {
  if (ZIPPED.has(from)) {
    await inspectZip(data); // archive bomb / hostile ZIP: refused before the office sees it
    try { return await scanOfficePackage(data); } catch { return { refs: [], macros: [] }; }
  }
  if (from === 'rtf') {
    // RTF field instructions: {\field{\*\fldinst INCLUDEPICTURE "http://…"}}
    const text = data.subarray(0, 32 * 1024 * 1024).toString('latin1');
    const refs = [...text.matchAll(/\b(INCLUDEPICTURE|INCLUDETEXT)\s+(?:\\\\?[a-z*]\s+)*"?(https?:\/\/[^"\s}\\]+)/gi)]
      .map((m) => ({ kind: 'field', host: (() => { try { return new URL(m[2]!).host; } catch { return '(unparsable)'; } })(), remote: true }));
    return { refs, macros: [] };
  }
  return { refs: [], macros: [] };
}

/**
 * A spreadsheet: the warm LOK instance (which never saw a document) is stopped, and the
 * command-line conversion runs in a fresh driver on the profile it initialised.
 */
async function desktopConvert(inFile: string, outDir: string, to: FormatId): Promise<{ line: string | null; profileReused: boolean }> {
  const lo = toolOf('libreoffice');
  let profile: string;
  const started = office ? await office.catch(() => null) : null;
  if (started) {
    started.proc.kill('SIGKILL');
    await new Promise((r) => { if (started.proc.exitCode !== null || started.proc.signalCode !== null) r(null); else started.proc.once('close', r); });
    profile = started.profile;
  } else {
    profile = join(scratchDir('office'), 'profile');
    writeProfile(profile);
  }
  const proc = spawn(officeHelperPath, ['desktop', lo.detail.programDir as string, profile, inFile, outDir, extOf(to)], { cwd: outDir, stdio: ['ignore', 'pipe', 'pipe'], env: toolEnv(profile, OFFICE_ENV) });
  const { next } = lineReader(proc);
  let line: string | null = null;
  for (let l = await next(); l !== null; l = await next()) line = l;
  return { line, profileReused: started !== null };
}

export const libreofficeConverter: Converter<typeof options> = {
  manifest: { ...systemManifest('libreoffice'), options },
  async convert(input) {
    const lo = toolOf('libreoffice');
    const scan = await scanInput(input.data, input.from);
    const dir = scratchDir('job');
    // The office picks its import filter from the content; the extension settles the formats
    // that cannot be told apart by content alone (RTF vs text, the OLE-based doc/xls/ppt).
    const inFile = join(dir, `input.${extOf(input.from)}`);
    writeFileSync(inFile, input.data, { mode: 0o600 });
    let line: string | null;
    let outFile: string;
    let info: Record<string, string | number | boolean>;
    if (CALC.has(input.from)) {
      const outDir = join(dir, 'out');
      mkdirSync(outDir, { mode: 0o700 });
      const r = await desktopConvert(inFile, outDir, input.to);
      line = r.line;
      outFile = join(outDir, `input.${extOf(input.to)}`);
      info = { tool: lo.version ?? 'LibreOffice', officePath: 'command line', profileReused: r.profileReused };
    } else {
      const o = await startOffice();
      outFile = join(dir, `result.${extOf(input.to)}`);
      o.proc.stdin!.end(`${inFile}\t${outFile}\t${extOf(input.to)}\n`);
      line = await o.next();
      // How long LibreOffice took to start (at the worker's warm-up: before the job, when a
      // warm worker was waiting for it).
      info = { tool: lo.version ?? 'LibreOffice', officePath: 'LibreOfficeKit', officeStartMs: o.startMs };
    }
    if (line !== 'ok') {
      if (line?.startsWith('error load')) throw new ConvertError('INVALID_INPUT', `LibreOffice could not open the document (damaged, password-protected, or not really ${input.from})`);
      if (line?.startsWith('error save')) throw new ConvertError('INVALID_INPUT', `LibreOffice could not write ${input.to} from this document`);
      throw new ConvertError('INVALID_INPUT', `LibreOffice stopped while converting (${line ?? 'no answer'})`);
    }
    const warnings = referenceWarnings(scan);
    return { data: readResult(outFile, 'LibreOffice'), format: input.to, info, ...(warnings.length ? { warnings } : {}) };
  },
};
