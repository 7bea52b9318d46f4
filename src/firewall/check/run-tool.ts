// Run a read-only firewall tool (nft, iptables-save) and classify its failure, so that "could
// not read the rules" is never mistaken for "no rules are loaded".
import { execFile } from 'node:child_process';

export type ToolOutcome =
  | { kind: 'ok'; stdout: string }
  | { kind: 'absent'; reason: string }
  | { kind: 'denied'; reason: string }
  | { kind: 'failed'; reason: string };

export interface ToolOptions {
  /** Run inside this named network namespace (`ip netns exec NAME`), for tests and diagnostics. */
  netns?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

const DENIED = /operation not permitted|permission denied|you must be root|EPERM|EACCES/i;

export function runTool(cmd: string, args: string[], opts: ToolOptions = {}): Promise<ToolOutcome> {
  const [file, argv] = opts.netns ? ['ip', ['netns', 'exec', opts.netns, cmd, ...args]] : [cmd, args];
  return new Promise((resolve) => {
    execFile(file, argv, { env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 5000, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (!err) return resolve({ kind: 'ok', stdout });
      const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: string | number };
      if (e.code === 'ENOENT') return resolve({ kind: 'absent', reason: `${cmd} is not installed (not found on PATH)` });
      const text = `${String(stderr).trim() || e.message}`.split('\n').filter(Boolean).slice(-2).join(' ');
      // `ip netns exec` reports a missing program as exit 255 + "No such file or directory".
      if (opts.netns && /exec of .* failed: No such file/i.test(text)) return resolve({ kind: 'absent', reason: `${cmd} is not installed` });
      if (e.killed) return resolve({ kind: 'failed', reason: `${cmd} did not answer within ${opts.timeoutMs ?? 5000} ms` });
      if (DENIED.test(text)) return resolve({ kind: 'denied', reason: `${cmd}: ${text} (reading firewall rules needs CAP_NET_ADMIN)` });
      resolve({ kind: 'failed', reason: `${cmd} failed: ${text}` });
    });
  });
}
