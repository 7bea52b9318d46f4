// `hermetic status`: one line. If a server runs (found via <dataDir>/server.json), its
// /api/health answers; otherwise the event database says how many attempts were recorded.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/index.js';
import { EXIT, UsageError, type Command } from './command.js';
import { CHALLENGE_HEADER, PROOF_HEADER, formatStatusLine, newChallenge, proofMatches, readRuntimeInfo, readToken, unverifiedSummary, type IsolationSummary, type RuntimeInfo, type StatusSnapshot } from '../server/index.js';

const USAGE = `Usage: hermetic status [--json] [--data-dir D]

One line: whether Hermetic is running, how well it is isolated, and how many network attempts
were blocked. With a running server this comes from its /api/health; without one, from the
event database in the data dir.

Options:
  --json          print the full status as JSON
  --data-dir D    the data dir of the server to ask (default: as \`hermetic serve\`)
  --timeout MS    how long to wait for the server (default 3000)

Exit codes: 0 running and answering, 1 not running or not answering, 2 usage/config error.`;

interface Health {
  status: string;
  version: string;
  exposure?: 'loopback' | 'non-loopback';
  isolation: IsolationSummary;
}

/**
 * Ask the server on loopback; a wildcard bind is asked on the matching loopback address.
 * server.json may be stale and its port taken by any other process, so the answer is believed
 * only when the peer proves it knows this data dir's token (server/identity.ts) — and the token
 * itself is never sent: health is public, and there is nothing else status needs to ask.
 */
function fetchHealth(info: RuntimeInfo, token: string | null, timeoutMs: number): Promise<Health> {
  const host = info.host === '::' || info.host === '::1' ? '::1' : '127.0.0.1';
  const hostHeader = host === '::1' ? `[::1]:${info.port}` : `127.0.0.1:${info.port}`;
  if (!token) return Promise.reject(new Error('no valid token file in the data dir: cannot tell the Hermetic server of this data dir from any other process on its port'));
  const challenge = newChallenge();
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host: hostHeader, accept: 'application/json', [CHALLENGE_HEADER]: challenge };
    const req = request({ host, port: info.port, path: '/api/health', headers, timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}`));
        const proof = res.headers[PROOF_HEADER];
        if (!proofMatches(token, info.port, challenge, typeof proof === 'string' ? proof : undefined)) {
          return reject(new Error(`the process on port ${info.port} could not prove it is the Hermetic server of this data dir (a stale server.json?); nothing was sent to it and its answer is ignored`));
        }
        try { resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Health); } catch (e) { reject(e as Error); }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** Attempts recorded in the database (without creating one when there is none). */
async function fromDatabase(dataDir: string): Promise<Pick<StatusSnapshot, 'blockedAttempts' | 'lastAttempt'>> {
  if (!existsSync(join(dataDir, 'hermetic.db'))) return { blockedAttempts: 0, lastAttempt: null };
  const { openEventStore } = await import('../events/index.js');
  const store = openEventStore({ dataDir });
  try {
    const s = unverifiedSummary({ config: loadConfig({ flags: { dataDir } }), store });
    return { blockedAttempts: s.blockedAttempts, lastAttempt: s.lastAttempt };
  } finally {
    store.close();
  }
}

export async function collectStatus(dataDir: string, timeoutMs = 3000): Promise<StatusSnapshot> {
  const base: StatusSnapshot = { running: false, healthy: false, url: null, pid: null, version: null, exposure: null, isolation: null, blockedAttempts: 0, lastAttempt: null, dataDir };
  const info = readRuntimeInfo(dataDir);
  if (info) {
    try {
      const h = await fetchHealth(info, readToken(dataDir), timeoutMs);
      return { ...base, running: true, healthy: true, url: info.url, pid: info.pid, version: h.version, exposure: h.exposure ?? 'loopback', isolation: h.isolation, blockedAttempts: h.isolation.blockedAttempts, lastAttempt: h.isolation.lastAttempt };
    } catch (e) {
      return { ...base, ...(await fromDatabase(dataDir)), running: true, healthy: false, url: info.url, pid: info.pid, version: info.version, error: (e as Error).message };
    }
  }
  return { ...base, ...(await fromDatabase(dataDir)) };
}

export const command: Command = {
  name: 'status',
  summary: 'one line: running?, isolation level, blocked attempts (--json for all of it)',
  usage: USAGE,
  async run(argv) {
    let values: { json?: boolean; 'data-dir'?: string; timeout?: string };
    try {
      ({ values } = parseArgs({ args: argv, strict: true, allowPositionals: false, options: { json: { type: 'boolean' }, 'data-dir': { type: 'string' }, timeout: { type: 'string' } } }));
    } catch (e) {
      throw new UsageError(`${(e as Error).message}\n\n${USAGE}`);
    }
    const timeout = values.timeout === undefined ? 3000 : Number(values.timeout);
    if (!Number.isInteger(timeout) || timeout < 1) throw new UsageError('--timeout: a positive number of milliseconds');
    const config = loadConfig({ flags: { dataDir: values['data-dir'] } });
    const snapshot = await collectStatus(config.dataDir, timeout);
    console.log(values.json ? JSON.stringify(snapshot, null, 2) : formatStatusLine(snapshot));
    return snapshot.running && snapshot.healthy ? EXIT.OK : EXIT.FAILURE;
  },
};
