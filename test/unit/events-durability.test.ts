// A recorded attempt must survive a crash: the writer is killed with SIGKILL in the middle of a
// stream of writes, and every row it acknowledged must be in a database that passes
// PRAGMA integrity_check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot, testNode } from '../helpers/paths.js';

import { openDatabase } from '../../src/events/driver.js';

test('kill -9 while writing: integrity_check ok and every acknowledged row present', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hermetic-durable-'));
  const storeUrl = pathToFileURL(join(repoRoot, 'dist', 'src', 'events', 'index.js')).href;
  // The child writes as fast as it can (cap lifted) and prints each id only after record() returned.
  const script = `
    import { openEventStore } from ${JSON.stringify(storeUrl)};
    const store = openEventStore({ dataDir: process.argv[1], maxRowsPerSecond: 1e9, burstRows: 1e9 });
    let i = 0;
    const tick = () => {
      const r = store.record({ type: 'network_attempt', severity: 'critical', details: { seq: i++ } });
      process.stdout.write(r.id + '\\n');
      setImmediate(tick);
    };
    tick();
  `;
  const child = spawn(testNode, ['--input-type=module', '-e', script, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const acked: number[] = [];
  let buf = '';
  await new Promise<void>((resolve, reject) => {
    child.on('exit', (code, signal) => { if (signal !== 'SIGKILL') reject(new Error(`writer exited early (${code}/${signal}): ${stderr}`)); });
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) acked.push(Number(l));
      if (acked.length >= 50 && !child.killed) {
        child.kill('SIGKILL');
        child.once('exit', () => resolve());
      }
    });
  });
  const lastAcked = Math.max(...acked);
  assert.ok(lastAcked >= 50, `writer acknowledged ${acked.length} rows`);

  const db = openDatabase(join(dataDir, 'hermetic.db')); 
  try {
    assert.equal((db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check, 'ok');
    const row = db.prepare('SELECT id, event_type, severity, details FROM security_events WHERE id = ?').get(lastAcked) as { event_type: string; details: string } | undefined;
    assert.ok(row, `acknowledged row ${lastAcked} is in the database`);
    assert.equal(row.event_type, 'network_attempt');
    const n = Number((db.prepare('SELECT COUNT(*) AS n FROM security_events WHERE id <= ?').get(lastAcked) as { n: number }).n);
    assert.equal(n, lastAcked, 'no acknowledged row is missing');
  } finally {
    db.close();
  }
});
