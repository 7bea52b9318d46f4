// Zip-bomb and hostile-archive checks for ZIP containers (DOCX, XLSX), run BEFORE the real
// parser sees the file. We do not trust the sizes the archive declares: every entry is actually
// inflated and counted, and the walk stops the moment a limit is crossed.
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { ConvertError } from '../errors.js';
import { LIMITS } from '../limits.js';

export interface ZipLimits {
  maxEntries: number;
  maxTotalBytes: number;
  maxRatio: number;
  ratioMinBytes: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxEntries: LIMITS.zipMaxEntries,
  maxTotalBytes: LIMITS.zipMaxTotalBytes,
  maxRatio: LIMITS.zipMaxRatio,
  ratioMinBytes: LIMITS.zipRatioMinBytes,
};

export interface ZipSummary {
  entries: number;
  inflatedBytes: number;
  names: string[];
}

function open(buf: Buffer): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    // validateEntrySizes: yauzl errors when an entry inflates to more/less than declared.
    // decodeStrings (default) makes yauzl refuse absolute paths and `..` segments.
    yauzl.fromBuffer(buf, { lazyEntries: true, validateEntrySizes: true }, (err, zip) => (err ? reject(err) : resolve(zip)));
  });
}

function bomb(message: string): ConvertError {
  return new ConvertError('ARCHIVE_BOMB', message);
}

/**
 * Sees the inflated bytes of the entries it asks for (e.g. to count cells in XLSX sheets while
 * they are inflated anyway); may throw a ConvertError to stop the walk.
 */
export type ZipVisitor = (entryName: string) => ((chunk: Buffer) => void) | null;

/** Inflate every entry, counting bytes; throw ARCHIVE_BOMB / INVALID_INPUT on the first problem. */
export async function inspectZip(buf: Buffer, limits: ZipLimits = DEFAULT_ZIP_LIMITS, visit?: ZipVisitor): Promise<ZipSummary> {
  let zip: ZipFile;
  try {
    zip = await open(buf);
  } catch (e) {
    throw new ConvertError('INVALID_INPUT', `not a valid ZIP container: ${(e as Error).message}`);
  }
  if (zip.entryCount > limits.maxEntries) {
    zip.close();
    throw bomb(`archive declares ${zip.entryCount} entries (limit ${limits.maxEntries})`);
  }
  const names: string[] = [];
  let total = 0;
  return new Promise<ZipSummary>((resolve, reject) => {
    let settled = false;
    const fail = (e: unknown): void => {
      if (settled) return;
      settled = true;
      try { zip.close(); } catch {}
      if (e instanceof ConvertError) reject(e);
      else reject(new ConvertError('INVALID_INPUT', `damaged ZIP container: ${(e as Error).message}`));
    };
    zip.on('error', fail);
    zip.on('end', () => {
      if (settled) return;
      settled = true;
      resolve({ entries: names.length, inflatedBytes: total, names });
    });
    zip.on('entry', (entry: Entry) => {
      names.push(entry.fileName);
      if (entry.fileName.endsWith('/')) { zip.readEntry(); return; }
      if (entry.isEncrypted()) { fail(new ConvertError('INVALID_INPUT', 'encrypted ZIP entries are not supported')); return; }
      if (entry.uncompressedSize > limits.maxTotalBytes - total) {
        fail(bomb(`archive inflates past ${limits.maxTotalBytes} bytes`));
        return;
      }
      const sink = visit?.(entry.fileName) ?? null;
      zip.openReadStream(entry, (err, stream) => {
        if (err) { fail(err); return; }
        let entryBytes = 0;
        stream.on('data', (chunk: Buffer) => {
          if (sink) {
            try { sink(chunk); } catch (e) { stream.destroy(); fail(e); return; }
          }
          entryBytes += chunk.length;
          total += chunk.length;
          const ratio = entryBytes / Math.max(1, entry.compressedSize);
          if (total > limits.maxTotalBytes) {
            stream.destroy();
            fail(bomb(`archive inflates past ${limits.maxTotalBytes} bytes`));
          } else if (entryBytes > limits.ratioMinBytes && ratio > limits.maxRatio) {
            stream.destroy();
            fail(bomb(`entry compresses ${Math.round(ratio)}:1 (limit ${limits.maxRatio}:1)`));
          }
        });
        stream.on('error', fail);
        stream.on('end', () => { if (!settled) zip.readEntry(); });
      });
    });
    zip.readEntry();
  });
}
