// Issue 13 item 10: `hermetic status` finds the server through <dataDir>/server.json. When that
// file is stale, whatever listens on its port now — another user's process — must not receive
// the token, nor be believed about the isolation state. The server proves who it is without
// revealing the token (an HMAC of a fresh challenge, bound to its port); status checks the proof
// before it trusts the answer. Also a relay to the real server (same token, other port) fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { startServer } from '../../src/server/index.js';
import { cliPath, testNode } from '../helpers/paths.js';
import { cleanEnv, privateTmp, removeTree } from './harness.js';

function status(dataDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(testNode, [cliPath, 'status', '--json', '--data-dir', dataDir, '--timeout', '5000'], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A listener that records every byte it receives; `answer` decides what to do with a connection. */
function listener(answer: (sock: Socket, seen: () => string) => void): Promise<{ server: Server; port: number; received: () => string }> {
  let all = '';
  const server = createServer((sock) => {
    let mine = '';
    sock.on('data', (d: Buffer) => { all += d.toString('latin1'); mine += d.toString('latin1'); });
    answer(sock, () => mine);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port, received: () => all })));
}

function pointServerJsonAt(dataDir: string, port: number): void {
  const info = { pid: process.pid, host: '127.0.0.1', port, url: `http://127.0.0.1:${port}/`, startedAt: new Date().toISOString(), version: '0.1.0' };
  writeFileSync(join(dataDir, 'server.json'), JSON.stringify(info), { mode: 0o600 });
}

test('status never sends the token to an impostor on a stale port, and does not believe it', async () => {
  const dataDir = privateTmp();
  // A data dir a server once ran in: its token, and a server.json left behind (the pid is alive: reused).
  const real = await startServer(loadConfig({ env: {}, flags: { dataDir, port: 0, logLevel: 'silent' } }), { runtimeFile: false });
  const token = real.ctx.token;
  const realPort = real.ctx.bind?.port ?? 0;
  try {
    // 1. An impostor that answers like a healthy, fully isolated Hermetic.
    const body = JSON.stringify({ status: 'ok', version: '0.1.0', offline: true, exposure: 'loopback', isolation: { level: 'kernel-enforced', verified: true, verifiedAt: null, strictness: 'paranoid', layers: [], blockedAttempts: 0, lastAttempt: null, monitor: { active: true, since: null } } });
    const impostor = await listener((sock, seen) => {
      sock.on('data', () => {
        if (!seen().includes('\r\n\r\n')) return;
        sock.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
      });
    });
    pointServerJsonAt(dataDir, impostor.port);
    const r1 = await status(dataDir);
    impostor.server.close();
    assert.ok(impostor.received().length > 0, 'status did contact the port (so the test proves something)');
    assert.ok(!impostor.received().includes(token), `the impostor received the token:\n${impostor.received()}`);
    assert.doesNotMatch(impostor.received(), /authorization|cookie/i);
    assert.equal(r1.code, 1, r1.stdout + r1.stderr);
    const s1 = JSON.parse(r1.stdout) as { healthy: boolean; isolation: unknown; error?: string };
    assert.equal(s1.healthy, false);
    assert.equal(s1.isolation, null, 'the impostor\'s "kernel-enforced, paranoid" is not repeated to the user');
    assert.match(s1.error ?? '', /could not prove|not the Hermetic server/i);

    // 2. A relay to the real server (which knows the token) on another port: the proof is bound to the port.
    const relay = await listener((sock) => {
      const up = connect({ host: '127.0.0.1', port: realPort });
      sock.pipe(up).pipe(sock);
      up.on('error', () => sock.destroy());
      sock.on('error', () => up.destroy());
    });
    pointServerJsonAt(dataDir, relay.port);
    const r2 = await status(dataDir);
    relay.server.close();
    assert.ok(relay.received().length > 0);
    assert.ok(!relay.received().includes(token), 'the relay received the token');
    assert.equal(r2.code, 1, r2.stdout);
    assert.equal((JSON.parse(r2.stdout) as { healthy: boolean }).healthy, false);

    // 3. Positive control: the real server, found through an honest server.json, proves itself.
    pointServerJsonAt(dataDir, realPort);
    const r3 = await status(dataDir);
    assert.equal(r3.code, 0, r3.stdout + r3.stderr);
    const s3 = JSON.parse(r3.stdout) as { healthy: boolean; isolation: { level: string } | null };
    assert.equal(s3.healthy, true);
    assert.equal(s3.isolation?.level, 'unverified');
    assert.equal(readFileSync(join(dataDir, 'token'), 'utf8').trim(), token);
  } finally {
    await real.close();
    removeTree(dataDir);
  }
});
