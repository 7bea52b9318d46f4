// A server for bench/server.ts to load, in its own process (so the load generator does not
// share its event loop): `bare` = a bare Fastify route, `full` = Hermetic's app with every plugin.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { loadConfig } from '../src/config/index.js';
import { startServer } from '../src/server/index.js';

const mode = process.argv[2];
if (mode === 'bare') {
  const app = Fastify({ logger: false });
  app.get('/api/health', async () => ({ status: 'ok', version: '0.0.0', offline: true, isolation: { verified: false } }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const a = app.server.address();
  console.log(JSON.stringify({ port: typeof a === 'object' && a ? a.port : 0 }));
} else if (mode === 'full') {
  const dataDir = mkdtempSync(join(tmpdir(), 'hermetic-bench-'));
  // All plugins on; the rate limit is on but high enough not to turn the benchmark into 429s.
  const config = loadConfig({ env: {}, flags: { dataDir, port: 0, logLevel: 'silent', rateLimit: { max: 100_000_000, windowMs: 60_000 } } });
  const s = await startServer(config, { runtimeFile: false });
  console.log(JSON.stringify({ port: s.ctx.bind?.port ?? 0 }));
} else {
  console.error('usage: server-target.js bare|full');
  process.exit(2);
}

// Exit normally on a signal (so --cpu-prof can write its profile when profiling a target).
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(0));
