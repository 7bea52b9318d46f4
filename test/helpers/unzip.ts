// Read a ZIP back in a test with a real unzipper (yauzl, which checks every entry's sizes):
// every entry's name, stored CRC-32 and bytes, in archive order.
import yauzl from 'yauzl';

export interface ZipEntry { name: string; crc32: number; data: Buffer }

export function readZip(buf: Buffer): Promise<ZipEntry[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true }, (err, zf) => {
      if (err || !zf) { reject(err ?? new Error('not a zip')); return; }
      const out: ZipEntry[] = [];
      zf.on('entry', (e: yauzl.Entry) => {
        zf.openReadStream(e, (e2, rs) => {
          if (e2 || !rs) { reject(e2 ?? new Error('no stream')); return; }
          const chunks: Buffer[] = [];
          rs.on('data', (c: Buffer) => chunks.push(c));
          rs.on('error', reject);
          rs.on('end', () => { out.push({ name: e.fileName, crc32: e.crc32, data: Buffer.concat(chunks) }); zf.readEntry(); });
        });
      });
      zf.on('end', () => resolve(out));
      zf.on('error', reject);
      zf.readEntry();
    });
  });
}
