// `hermetic serve` exactly as a user starts it (a child process: tripwire, verifier, runtime
// monitor, jailed worker pool), with a converters folder holding two test plugins: one that
// echoes, one that tries the network (a loopback canary given by the test).
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath, fixturesDir, testNode } from '../helpers/paths.js';

export interface Served {
  /** http://127.0.0.1:PORT */
  origin: string;
  /** The URL with ?token=… that `serve` prints. */
  tokenUrl: string;
  token: string;
  dataDir: string;
  log(): string;
  close(): Promise<void>;
}

export async function serve(): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), 'hermetic-e2e-'));
  const dataDir = join(dir, 'data');
  const converters = join(dir, 'converters');
  mkdirSync(converters, { recursive: true });
  copyFileSync(join(fixturesDir, 'convert', 'network', 'phone-home.mjs'), join(converters, 'phone-home.mjs'));
  copyFileSync(join(fixturesDir, 'convert', 'plugins', 'echo.mjs'), join(converters, 'echo.mjs'));
  const child: ChildProcess = spawn(testNode, [cliPath, 'serve', '--port', '0', '--data-dir', dataDir, '--converters', converters, '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      // One suite opens the page a few dozen times within a minute; the per-IP limit that
      // guards the token (100/min) has its own tests.
      HERMETIC_RATE_LIMIT_MAX: '100000',
      HERMETIC_POOL_SIZE: '2',
    },
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => { out += c; });
  child.stderr!.setEncoding('utf8').on('data', (c: string) => { err += c; });
  const tokenUrl = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`serve did not print its URL in 60 s\n${out}\n${err}`)), 60_000);
    const check = (): void => {
      const m = /^Open: (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)$/m.exec(out);
      if (m) { clearTimeout(t); resolve(m[1]!); }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => { clearTimeout(t); reject(new Error(`serve exited (${code})\n${out}\n${err}`)); });
  });
  const url = new URL(tokenUrl);
  const served: Served = {
    origin: url.origin,
    tokenUrl,
    token: url.searchParams.get('token')!,
    dataDir,
    log: () => `${out}\n${err}`,
    close: async () => {
      if (child.exitCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  // Wait for the start-up verification: the badge is what a user sees first.
  for (let i = 0; i < 120; i++) {
    const h = (await (await fetch(`${served.origin}/api/health`)).json()) as { isolation: { verified: boolean } };
    if (h.isolation.verified) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return served;
}
