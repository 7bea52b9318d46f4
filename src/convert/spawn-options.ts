// What a worker of each family is granted beyond the common set, in one table. Most families
// need nothing extra; a family that runs system programs (LibreOffice, pandoc, ImageMagick…)
// as children of its jailed worker needs Node's --allow-child-process (the kernel layers still
// cover every child: a child program is inside the same namespaces, seccomp filter and
// Landlock domain), a private writable scratch folder (HOME/TMPDIR, LibreOffice's profile),
// and more time to start. Add a row here; the pool reads it for every spawn.
import type { Family } from './families.js';

/** Native memory a system-tool worker's processes may use beyond the JS heap cap (see nativeHeadroomMb). */
export const SYSTEM_TOOL_HEADROOM_MB = 1536;

export interface FamilySpawnOptions {
  /** Node's --allow-child-process for this family's workers (converters start system programs). */
  allowChildProcess?: boolean;
  /**
   * A private writable folder inside the worker's own folder (w-XXXXXX/scratch), made before the
   * spawn and removed with the worker: HOME, TMPDIR and XDG_* point there. Nothing else becomes
   * writable, and it is never shared with another worker (or job).
   */
  scratch?: boolean;
  /** The worker may take this long to say it is ready (default: the pool's readyTimeoutMs). */
  readyTimeoutMs?: number;
  /** Per-job timeout multiplier for slow families (default 1). */
  timeoutFactor?: number;
  /** Extra environment for the worker (the jail still drops proxies, preloads and the like). */
  env?: Readonly<Record<string, string>>;
  /** Worker threads (tesseract.js runs one). Default true. */
  allowWorker?: boolean;
  /** Native addons (sharp). Default true. */
  allowAddons?: boolean;
  /**
   * Native memory beyond the JS heap cap, MiB (default NATIVE_HEADROOM_MB). RLIMIT_DATA is per
   * process: each program the worker starts (LibreOffice, ImageMagick: they allocate outside any
   * JS heap) gets the same cap.
   */
  nativeHeadroomMb?: number;
}

export const FAMILY_SPAWN: Readonly<Partial<Record<Family, FamilySpawnOptions>>> = {
  // Engine start + model load before ready: slower than the others on a busy machine.
  ocr: { readyTimeoutMs: 60_000 },
  // LibreOffice (pre-started at warm-up: seconds of CPU) and pandoc/ImageMagick/qpdf/tesseract,
  // run as the jailed worker's children (system-tools.ts).
  office: { allowChildProcess: true, scratch: true, readyTimeoutMs: 60_000, nativeHeadroomMb: SYSTEM_TOOL_HEADROOM_MB },
  system: { allowChildProcess: true, scratch: true, nativeHeadroomMb: SYSTEM_TOOL_HEADROOM_MB },
};

export function spawnOptionsFor(family: Family): FamilySpawnOptions {
  return FAMILY_SPAWN[family] ?? {};
}
