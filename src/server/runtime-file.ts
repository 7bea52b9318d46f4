// `<dataDir>/server.json`: where a running server listens, so `hermetic status` can find it.
// Written after listen, removed on shutdown; a stale file (dead pid) is ignored by readers — and
// even a live-looking one is only a hint: status makes the peer prove who it is (identity.ts).
// Read and written like every data-dir file (config/data-dir.ts): never through a symlink.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { readOwnFile, writeOwnFile } from '../config/index.js';

export interface RuntimeInfo {
  pid: number;
  host: string;
  port: number;
  url: string;
  startedAt: string;
  version: string;
}

export const RUNTIME_FILE = 'server.json';

export function writeRuntimeInfo(dataDir: string, info: RuntimeInfo): void {
  writeOwnFile(join(dataDir, RUNTIME_FILE), `${JSON.stringify(info, null, 2)}\n`);
}

export function removeRuntimeInfo(dataDir: string, pid = process.pid): void {
  // Only our own: a second server in the same data dir may have replaced it.
  if (readRuntimeInfo(dataDir, false)?.pid === pid) rmSync(join(dataDir, RUNTIME_FILE), { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running server's info, or null (no file, unreadable, or its process is gone). */
export function readRuntimeInfo(dataDir: string, checkAlive = true): RuntimeInfo | null {
  try {
    const own = readOwnFile(join(dataDir, RUNTIME_FILE), 64 * 1024);
    if (!own?.ok) return null;
    const info = JSON.parse(own.text) as RuntimeInfo;
    if (typeof info.pid !== 'number' || typeof info.port !== 'number') return null;
    return !checkAlive || alive(info.pid) ? info : null;
  } catch {
    return null;
  }
}
