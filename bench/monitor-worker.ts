// A stand-in warm worker for bench/monitor.ts: idles with an IPC channel (like a pool worker),
// and on {attempt: port} makes one loopback connect that the tripwire (loaded via --import)
// blocks and reports to the parent over IPC. Loopback only.
import { connect } from 'node:net';

process.on('message', (m: unknown) => {
  const port = (m as { attempt?: number } | null)?.attempt;
  if (typeof port !== 'number') return;
  try {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => {});
    s.on('connect', () => s.destroy());
  } catch {
    // NetworkBlockedError thrown synchronously by the tripwire: the attempt was reported.
  }
});
process.send?.({ ready: true });
