// In the jailed server: read the supervisor reports the paranoid launcher forwards on fd 4
// (JSON lines, one JailAttempt each). Wrapping an inherited descriptor opens no socket.
import { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import type { JailAttempt } from '../../isolation/jail/types.js';
import { PARANOID_ENV } from './env.js';

export function readLauncherReports(onAttempt: (a: JailAttempt) => void, env: NodeJS.ProcessEnv = process.env): (() => void) | null {
  const raw = env[PARANOID_ENV.reportFd];
  if (!raw) return null;
  const fd = Number(raw);
  if (!Number.isInteger(fd) || fd < 3) return null;
  const sock = new Socket({ fd, readable: true, writable: false });
  sock.on('error', () => {});
  const rl = createInterface({ input: sock });
  rl.on('line', (line) => {
    try { onAttempt(JSON.parse(line) as JailAttempt); } catch { /* a malformed line is dropped, not fatal */ }
  });
  // The channel must not keep the server alive on its own.
  sock.unref();
  return () => { rl.close(); sock.destroy(); };
}
