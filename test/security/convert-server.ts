// A real Hermetic server on a loopback port with the real conversion service (workers started
// by jail.spawn: kernel-jailed wherever the machine allows it), for the security tests of the
// upload and job paths. Each test gets its own data dir; stop() closes and removes it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config/index.js';
import { startServer, createLogger, type RunningServer } from '../../src/server/index.js';
import { spawn as jailSpawn } from '../../src/isolation/jail/index.js';
import { ConvertService, type ConvertServiceOptions } from '../../src/convert/index.js';
import { fixturesDir } from '../helpers/paths.js';

export interface TestServer {
  s: RunningServer;
  svc: ConvertService;
  dataDir: string;
  base: string;
  port: number;
  auth: { authorization: string };
  stop(): Promise<void>;
}

export async function startConvertServer(flags: Partial<Config> = {}, service: Partial<ConvertServiceOptions> = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hermetic-security-'));
  const config = loadConfig({ env: {}, flags: { dataDir, port: 0, poolSize: 2, jobTimeoutMs: 30_000, workerMemoryMb: 512, convertersDir: join(fixturesDir, 'convert', 'plugins'), logLevel: 'silent', ...flags } });
  let svc!: ConvertService;
  const s = await startServer(config, {
    logger: createLogger({ ...config, logLevel: 'silent' }),
    runtimeFile: false,
    setup: (ctx) => {
      svc = new ConvertService({ config, spawn: jailSpawn, store: ctx.store, ...service });
      svc.start();
      ctx.jobs = svc;
      return () => svc.close();
    },
  });
  const base = s.url.replace(/\/$/, '');
  return {
    s, svc, dataDir, base, port: Number(new URL(base).port), auth: { authorization: `Bearer ${s.ctx.token}` },
    async stop() { await s.close(); rmSync(dataDir, { recursive: true, force: true }); },
  };
}

/** A multipart body of `n` small CSV files (real FormData, as a browser would send). */
export function csvForm(n: number, to = 'json'): FormData {
  const fd = new FormData();
  fd.append('to', to);
  for (let i = 0; i < n; i++) fd.append('file', new Blob([`id,n\n${i},${i * 2}\n`]), `f${i}.csv`);
  return fd;
}
