// System tools: programs found on the machine that the `office` and `system` converter families
// drive (LibreOffice, pandoc, ImageMagick, qpdf, tesseract). What each can convert, which apt
// package provides it, and detection: at start-up each tool is looked up on PATH and asked for
// its version ONCE — itself through the jail (no network, writes only to a throw-away folder) —
// and the answer is cached for the process. The server and the CLI pass the result to every
// worker (HERMETIC_SYSTEM_TOOLS), so the converters run exactly the binary detected here and the
// catalog says, per converter, whether it is available and why not.
//
// Plain data and detection only: no converter code (the server imports this for routing).
import { accessSync, constants, existsSync, mkdtempSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import type { JailHandle, JailSpawnOptions } from '../isolation/jail/index.js';
import { packageRoot } from '../version.js';
import type { FormatId } from './formats.js';

export type SystemToolId = 'libreoffice' | 'pandoc' | 'imagemagick' | 'qpdf' | 'tesseract';
export type SystemFamily = 'office' | 'system';

/** The LibreOfficeKit driver (native/office.c), built with the jail helper. */
export const officeHelperPath = join(packageRoot, 'native', 'build', 'hermetic-office');

export interface SystemToolSpec {
  id: SystemToolId;
  /** Converter title. */
  title: string;
  /** Product name, for the audit and errors. */
  name: string;
  family: SystemFamily;
  /** Debian/Ubuntu packages that provide it (the install hint). */
  apt: readonly string[];
  /** Program names looked up on PATH, in order of preference. */
  programs: readonly string[];
  /** Every from→to pair; `needs` names a component that must also be present (LibreOffice modules, codecs). */
  pairs: readonly { from: FormatId; to: FormatId; needs?: string }[];
}

const cross = (from: readonly FormatId[], to: readonly FormatId[], needs?: string): { from: FormatId; to: FormatId; needs?: string }[] =>
  from.flatMap((f) => to.filter((t) => t !== f).map((t) => ({ from: f, to: t, ...(needs ? { needs } : {}) })));

const WRITER_IN: FormatId[] = ['docx', 'doc', 'odt', 'rtf'];
const CALC_IN: FormatId[] = ['xlsx', 'xls', 'ods'];
const IMPRESS_IN: FormatId[] = ['pptx', 'ppt', 'odp'];
const PANDOC_FORMATS: FormatId[] = ['md', 'html', 'docx', 'odt', 'epub', 'rst', 'latex'];
const MAGICK_IN: FormatId[] = ['bmp', 'ico', 'heic', 'svg', 'tiff', 'png', 'jpeg', 'webp', 'gif'];
const MAGICK_OUT: FormatId[] = ['png', 'jpeg', 'webp', 'tiff', 'gif', 'bmp', 'ico', 'pdf'];

export const SYSTEM_TOOLS: readonly SystemToolSpec[] = [
  {
    id: 'libreoffice', name: 'LibreOffice', family: 'office',
    title: 'Office documents (LibreOffice, headless, in the jail)',
    apt: ['libreoffice-writer-nogui', 'libreoffice-calc-nogui', 'libreoffice-impress-nogui'],
    programs: ['soffice', 'libreoffice'],
    pairs: [
      ...WRITER_IN.map((f) => ({ from: f, to: 'pdf' as FormatId, needs: 'writer' })),
      ...cross(['docx', 'doc', 'rtf'], ['odt'], 'writer'), ...cross(['odt', 'doc', 'rtf'], ['docx'], 'writer'),
      ...CALC_IN.map((f) => ({ from: f, to: 'pdf' as FormatId, needs: 'calc' })),
      ...cross(['xlsx', 'xls'], ['ods'], 'calc'), ...cross(['ods', 'xls'], ['xlsx'], 'calc'),
      ...IMPRESS_IN.map((f) => ({ from: f, to: 'pdf' as FormatId, needs: 'impress' })),
      ...cross(['pptx', 'ppt'], ['odp'], 'impress'), ...cross(['odp', 'ppt'], ['pptx'], 'impress'),
    ],
  },
  {
    id: 'pandoc', name: 'pandoc', family: 'system',
    title: 'Markup documents (pandoc, sandboxed, in the jail)',
    apt: ['pandoc'], programs: ['pandoc'],
    pairs: [...cross(PANDOC_FORMATS, PANDOC_FORMATS), ...PANDOC_FORMATS.filter((f) => f !== 'md').map((f) => ({ from: f, to: 'txt' as FormatId }))],
  },
  {
    id: 'imagemagick', name: 'ImageMagick', family: 'system',
    title: 'Images sharp does not cover (ImageMagick, in the jail): BMP, ICO, HEIC, SVG, multi-page TIFF',
    apt: ['imagemagick'], programs: ['magick', 'convert-im6.q16', 'convert-im6', 'convert'],
    pairs: MAGICK_IN.flatMap((f) => MAGICK_OUT.filter((t) => t !== f).map((t) => ({ from: f, to: t, ...(f === 'heic' ? { needs: 'HEIC' } : f === 'svg' ? { needs: 'MSVG' } : {}) }))),
  },
  {
    id: 'qpdf', name: 'qpdf', family: 'system',
    title: 'PDF structure (qpdf, in the jail): linearise, decrypt with your password, repair',
    apt: ['qpdf'], programs: ['qpdf'],
    pairs: [{ from: 'pdf', to: 'pdf' }],
  },
  {
    id: 'tesseract', name: 'Tesseract OCR', family: 'system',
    title: 'OCR with the native tesseract engine (faster; in the jail)',
    apt: ['tesseract-ocr', 'tesseract-ocr-eng'], programs: ['tesseract'],
    pairs: ['png', 'jpeg', 'tiff', 'bmp', 'gif', 'webp'].map((f) => ({ from: f as FormatId, to: 'txt' as FormatId })),
  },
];

export function toolSpec(id: string): SystemToolSpec | undefined {
  return SYSTEM_TOOLS.find((t) => t.id === id);
}

export function aptHint(spec: SystemToolSpec): string {
  return `sudo apt install ${spec.apt.join(' ')}`;
}

/** What detection found for one tool (plain JSON: it travels to workers in an env variable). */
export interface SystemToolInfo {
  id: SystemToolId;
  name: string;
  family: SystemFamily;
  apt: string[];
  available: boolean;
  /** Why it is (un)available, for the catalog, errors and the audit. */
  reason: string;
  /** The program that will run (absolute, symlinks resolved). */
  path: string | null;
  version: string | null;
  /** Components present (LibreOffice: writer, calc, impress; ImageMagick: HEIC, SVG…). */
  components: string[];
  /** Tool-specific facts: LibreOffice's program folder, tesseract's languages. */
  detail: Record<string, string | string[]>;
}

export interface SystemToolsReport {
  detectedAt: string;
  tools: SystemToolInfo[];
}

/** The jail's spawn (or anything with its contract), as the pool uses it. */
export type ToolSpawn = (cmd: string, args: string[], opts: JailSpawnOptions) => JailHandle | Promise<JailHandle>;

export interface DetectOptions {
  /** How `--version` runs: jail.spawn in production (tests may give another spawn with its contract). */
  spawn: ToolSpawn;
  /** PATH to search (default: this process's). Tests simulate a missing tool with a PATH that lacks it. */
  path?: string;
  /** Injected lookup instead of PATH (tests): program name → absolute path or null. */
  lookup?: (program: string) => string | null;
  timeoutMs?: number;
}

function isExecutable(p: string): boolean {
  try { accessSync(p, constants.X_OK); return statSync(p).isFile(); } catch { return false; }
}

/** `which`, without a shell: the first executable `program` on `path`. */
export function findOnPath(program: string, path: string): string | null {
  for (const dir of path.split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue; // a relative PATH entry would depend on our cwd
    const p = join(dir, program);
    if (isExecutable(p)) return p;
  }
  return null;
}

/** Run `path args` under the jail and collect its output (bounded). */
async function runJailed(spawn: ToolSpawn, path: string, args: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  const scratch = mkdtempSync(join(tmpdir(), 'hermetic-detect-'));
  try {
    const handle = await spawn(path, args, {
      cwd: scratch, env: { HOME: scratch, TMPDIR: scratch, LC_ALL: 'C.UTF-8', SAL_USE_VCLPLUGIN: 'svp', GSETTINGS_BACKEND: 'memory', NO_AT_BRIDGE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'], allowWrite: [scratch], timeoutMs, node: false, tripwire: false,
    });
    let out = '';
    const take = (b: Buffer): void => { if (out.length < 64 * 1024) out += b.toString('utf8'); };
    // The exit can be reported before the last output is read: wait for both streams to end too.
    const drained = [handle.child.stdout, handle.child.stderr].map((st) => (st ? new Promise<void>((r) => { st.on('data', take); st.once('close', () => r()); }) : Promise.resolve()));
    const [ex] = await Promise.all([handle.exited, ...drained]);
    return { code: ex.code, out };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function firstLine(s: string): string {
  return s.split('\n').map((l) => l.trim()).find((l) => l.length > 0 && !/^\{"event"/.test(l)) ?? '';
}

interface Found { path: string; program: string }

function locate(spec: SystemToolSpec, o: DetectOptions): Found | null {
  const path = o.path ?? process.env.PATH ?? '';
  for (const program of spec.programs) {
    const hit = o.lookup ? o.lookup(program) : findOnPath(program, path);
    if (!hit) continue;
    let real = hit;
    try { real = realpathSync(hit); } catch { continue; }
    // ImageMagick's `convert` is sometimes a wrapper script (other programs ship one under
    // that name): use it only if it really is ImageMagick (checked by its version below).
    return { path: real, program };
  }
  return null;
}

const unavailable = (spec: SystemToolSpec, reason: string, path: string | null = null): SystemToolInfo => ({
  id: spec.id, name: spec.name, family: spec.family, apt: [...spec.apt], available: false,
  reason: `${reason}; install it with: ${aptHint(spec)}`, path, version: null, components: [], detail: {},
});

async function detectOne(spec: SystemToolSpec, o: DetectOptions): Promise<SystemToolInfo> {
  const found = locate(spec, o);
  if (!found) return unavailable(spec, `${spec.name} is not installed (none of ${spec.programs.join(', ')} on PATH)`);
  const t = o.timeoutMs ?? 20_000;
  const base = { id: spec.id, name: spec.name, family: spec.family, apt: [...spec.apt] };
  try {
    switch (spec.id) {
      case 'libreoffice': {
        // soffice is a shell script in <install>/program; the office itself is LibreOfficeKit there.
        const programDir = dirname(found.path);
        const lok = ['libmergedlo.so', 'libsofficeapp.so'].some((l) => existsSync(join(programDir, l)));
        if (!lok) return unavailable(spec, `${found.path} has no LibreOfficeKit library beside it (libmergedlo.so)`, found.path);
        if (!isExecutable(officeHelperPath)) return unavailable(spec, `the LibreOfficeKit driver is not built (${officeHelperPath}; it needs a C compiler: run \`npm run build:native\`)`, found.path);
        const bin = join(programDir, 'soffice.bin');
        const r = await runJailed(o.spawn, bin, ['--version'], t);
        const version = /LibreOffice\s+[\d.]+/.exec(r.out)?.[0] ?? null;
        if (!version) return unavailable(spec, `${bin} --version did not answer (${firstLine(r.out) || `exit ${r.code}`})`, found.path);
        // Each module is its own package (writer/calc/impress -nogui); its library says it is there.
        const components = [['writer', 'libswlo.so'], ['calc', 'libsclo.so'], ['impress', 'libsdlo.so']].filter(([, lib]) => existsSync(join(programDir, lib!))).map(([c]) => c!);
        return { ...base, available: true, reason: `${version} (${found.path}), driven through LibreOfficeKit`, path: found.path, version, components, detail: { programDir } };
      }
      case 'imagemagick': {
        const r = await runJailed(o.spawn, found.path, ['-version'], t);
        const version = /ImageMagick\s+[\d.-]+/.exec(r.out)?.[0] ?? null;
        if (!version) return unavailable(spec, `${found.path} is not ImageMagick (${firstLine(r.out) || `exit ${r.code}`})`, found.path);
        const f = await runJailed(o.spawn, found.path, ['-list', 'format'], t);
        // Lines like "     HEIC* HEIC      rw+   Apple High efficiency Image Format".
        const formats = new Set([...f.out.matchAll(/^\s*([A-Z0-9]+)\*?\s+\S+\s+(r[w-][+-])/gm)].map((m) => m[1]!));
        const components = ['HEIC', 'MSVG', 'BMP', 'ICO', 'TIFF', 'WEBP'].filter((c) => formats.has(c));
        return { ...base, available: true, reason: `${version} (${found.path})`, path: found.path, version, components, detail: {} };
      }
      case 'tesseract': {
        const r = await runJailed(o.spawn, found.path, ['--version'], t);
        const version = /tesseract\s+v?[\d.]+/i.exec(r.out)?.[0] ?? null;
        if (!version) return unavailable(spec, `${found.path} --version did not answer (${firstLine(r.out) || `exit ${r.code}`})`, found.path);
        const l = await runJailed(o.spawn, found.path, ['--list-langs'], t);
        const langs = l.out.split('\n').map((s) => s.trim()).filter((s) => /^[a-z_]{3,20}$/i.test(s));
        if (!langs.length) return unavailable(spec, `tesseract has no language model installed`, found.path);
        return { ...base, available: true, reason: `${version} (${found.path}); languages: ${langs.join(', ')}`, path: found.path, version, components: langs, detail: { langs } };
      }
      default: {
        const r = await runJailed(o.spawn, found.path, ['--version'], t);
        const line = firstLine(r.out);
        const version = new RegExp(`${spec.id}\\s+(version\\s+)?[\\d.]+`, 'i').exec(line)?.[0].replace(/\s+version/i, '') ?? null;
        if (r.code !== 0 || !version) return unavailable(spec, `${found.path} --version did not answer (${line || `exit ${r.code}`})`, found.path);
        return { ...base, available: true, reason: `${version} (${found.path})`, path: found.path, version, components: [], detail: {} };
      }
    }
  } catch (e) {
    return unavailable(spec, `${found.path} could not be started under the jail: ${(e as Error).message}`, found.path);
  }
}

/** Look up every tool and ask each for its version (in parallel, each under the jail). */
export async function detectSystemTools(o: DetectOptions): Promise<SystemToolsReport> {
  const tools = await Promise.all(SYSTEM_TOOLS.map((s) => detectOne(s, o)));
  return { detectedAt: new Date().toISOString(), tools };
}

const cache = new Map<string, Promise<SystemToolsReport>>();

/** detectSystemTools, once per process and PATH (the server and CLI call this at start-up). */
export function systemTools(o: DetectOptions): Promise<SystemToolsReport> {
  if (o.lookup) return detectSystemTools(o);
  const key = o.path ?? process.env.PATH ?? '';
  let p = cache.get(key);
  if (!p) { p = detectSystemTools(o); cache.set(key, p); }
  return p;
}

// ---- the hand-over to workers -----------------------------------------------------------------

export const SYSTEM_TOOLS_ENV = 'HERMETIC_SYSTEM_TOOLS';

export function encodeTools(r: SystemToolsReport): string {
  return JSON.stringify(r.tools);
}

/** The tools a worker was given; tools missing from the variable count as not detected. */
export function decodeTools(raw: string | undefined): Map<SystemToolId, SystemToolInfo> {
  const out = new Map<SystemToolId, SystemToolInfo>();
  let list: unknown = [];
  try { list = raw ? JSON.parse(raw) : []; } catch { list = []; }
  if (!Array.isArray(list)) return out;
  for (const t of list as SystemToolInfo[]) if (t && typeof t.id === 'string' && toolSpec(t.id)) out.set(t.id, t);
  return out;
}

/** Whether `info` can do from→to, and if not, why (with the install hint). */
export function pairAvailability(spec: SystemToolSpec, info: SystemToolInfo | undefined, from: FormatId, to: FormatId): { ok: true } | { ok: false; reason: string } {
  if (!info) return { ok: false, reason: `${spec.name} was not detected in this process; install it with: ${aptHint(spec)}` };
  if (!info.available) return { ok: false, reason: info.reason };
  const pair = spec.pairs.find((p) => p.from === from && p.to === to);
  if (!pair) return { ok: false, reason: `${spec.name} does not convert ${from} to ${to}` };
  if (pair.needs && !info.components.includes(pair.needs)) {
    const pkg = spec.id === 'libreoffice' ? `libreoffice-${pair.needs}-nogui` : spec.id === 'imagemagick' && pair.needs === 'HEIC' ? 'libheif1 (and an ImageMagick built with it)' : spec.apt.join(' ');
    return { ok: false, reason: `${spec.name} here lacks ${pair.needs}; install it with: sudo apt install ${pkg}` };
  }
  return { ok: true };
}

