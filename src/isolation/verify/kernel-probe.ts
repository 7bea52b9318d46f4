// A child process that tries one TCP connect with no tripwire, and says how the kernel answered.
// Used from inside a jailed process (paranoid server): the child inherits the seccomp filter, so
// its socket() must fail with EPERM; anything else means the filter is not in force.
import { spawn } from 'node:child_process';
import { registerProbePid } from './selftest-targets.js';

export interface KernelProbeResult {
  /** errno code of the failure, or 'connected' if the connect succeeded, or 'timeout'. */
  outcome: string;
  ms: number;
}

// The child must not load our tripwire (it would answer first); `-e` with a fresh env does that.
const SCRIPT = `
const net = require('node:net');
const port = Number(process.argv[1]);
let s;
try { s = net.connect({ host: '127.0.0.1', port }); } catch (e) { process.stdout.write(String(e.code || e.message)); process.exit(0); }
s.on('connect', () => { process.stdout.write('connected'); s.destroy(); });
s.on('error', (e) => process.stdout.write(String(e.code || e.message)));
setTimeout(() => { process.stdout.write('timeout'); process.exit(0); }, 2000).unref();
`;

export function kernelConnectProbe(port: number, timeoutMs = 5000): Promise<KernelProbeResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', SCRIPT, String(port)], {
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      timeout: timeoutMs,
    });
    if (child.pid) registerProbePid(child.pid);
    let out = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    child.stdout.on('error', () => { /* the answer is what was read; 'close' resolves */ });
    child.on('error', (e) => resolve({ outcome: `spawn failed: ${e.message}`, ms: performance.now() - started }));
    child.on('close', () => resolve({ outcome: out.trim() || 'no answer', ms: performance.now() - started }));
  });
}
