// Results checked with the system's own tools (poppler's pdfinfo, unzip, file), as a user would:
// the system-converter tests validate every output this way. CI installs them (.ci/run); a
// missing tool fails the assertion, it never passes for "valid".
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function validators(work: string): { file(name: string, data: Buffer | string): string; pdfPages(data: Buffer): number; zipIntact(data: Buffer): void; fileKind(data: Buffer): string } {
  const file = (name: string, data: Buffer | string): string => {
    const p = join(mkdtempSync(join(work, 'v-')), name);
    writeFileSync(p, data);
    return p;
  };
  return {
    file,
    pdfPages(data) {
      const r = spawnSync('pdfinfo', [file('x.pdf', data)], { encoding: 'utf8' });
      assert.equal(r.status, 0, `pdfinfo: ${r.error?.message ?? r.stderr}`);
      return Number(/^Pages:\s+(\d+)/m.exec(r.stdout)?.[1] ?? 0);
    },
    zipIntact(data) {
      const r = spawnSync('unzip', ['-tq', file('x.zip', data)], { encoding: 'utf8' });
      assert.equal(r.status, 0, `unzip -t: ${r.error?.message ?? r.stdout + r.stderr}`);
    },
    fileKind(data) {
      const r = spawnSync('file', ['-b', file('x.bin', data)], { encoding: 'utf8' });
      assert.equal(r.status, 0, `file: ${r.error?.message ?? r.stderr}`);
      return r.stdout.trim();
    },
  };
}
