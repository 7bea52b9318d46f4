// Several results in one ZIP (PDF split). Built in memory inside the worker with yazl; names are
// ours (fixed pattern), never taken from the input.
import yazl from 'yazl';

export function zipBuffers(files: readonly { name: string; data: Buffer }[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const zip = new yazl.ZipFile();
    // A fixed timestamp: the archive says nothing about when or where it was made.
    const mtime = new Date(Date.UTC(2000, 0, 1));
    for (const f of files) zip.addBuffer(f.data, f.name, { mtime, mode: 0o100644 });
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.end();
  });
}
