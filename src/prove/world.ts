// The trap's "internet": runs alone in its own network namespace, whose only link is the veth
// to the jail side. It records every frame on that link, answers DNS for every name and accepts
// TCP on every port, and tells the orchestrator (over the Node IPC channel) what it saw.
// Entry: world-main.ts. Messages in: start, stop. Messages out: hello, started, event, stopped, error.
import { appendFileSync } from 'node:fs';
import { startCatchAll } from './catch-all.js';
import { startResolver } from './dns.js';
import { startRecorder, type Recorder, type RecorderStats } from './recorder.js';
import { TRAP, type WorldEvent } from './types.js';

export type ToWorld =
  | { cmd: 'start'; iface: string; pcap: string; catchPort: number; log: string; ipv6: boolean }
  | { cmd: 'stop' };

export type FromWorld =
  | { type: 'hello'; pid: number }
  | { type: 'started'; recorder: string }
  | { type: 'event'; event: WorldEvent }
  | { type: 'stopped'; stats: RecorderStats }
  | { type: 'error'; message: string };

export function runWorld(): void {
  const send = (m: FromWorld): void => { if (process.connected) process.send?.(m); };
  let recorder: Recorder | null = null;
  const closers: (() => void)[] = [];
  let log = '';
  const emit = (event: WorldEvent): void => {
    if (log) { try { appendFileSync(log, `${JSON.stringify(event)}\n`); } catch {} }
    send({ type: 'event', event });
  };
  const shutdown = (code: number): void => {
    for (const c of closers) { try { c(); } catch {} }
    recorder?.kill();
    process.exit(code);
  };
  // The orchestrator is gone: nothing here may outlive it.
  process.on('disconnect', () => shutdown(1));
  process.on('message', (m: ToWorld) => {
    if (m.cmd === 'start') {
      log = m.log;
      void (async () => {
        // The recorder first, so the first frame after the link comes up is on record.
        recorder = await startRecorder(m.iface, m.pcap);
        closers.push(await startResolver(TRAP.worldV4, TRAP.worldV6, m.ipv6, (q) => emit({ type: 'dns', ts: Date.now() / 1000, ...q })));
        closers.push(await startCatchAll(m.catchPort, m.ipv6, (c) => emit({ type: 'tcp', ts: Date.now() / 1000, ...c })));
        send({ type: 'started', recorder: recorder.program });
      })().catch((e: unknown) => { send({ type: 'error', message: (e as Error).message }); shutdown(1); });
    } else if (m.cmd === 'stop') {
      void (async () => {
        // Services first (no new connections), then the recorder, which drains what is queued.
        for (const c of closers.splice(0)) { try { c(); } catch {} }
        const stats = recorder ? await recorder.stop() : { frames: 0, kernelDrops: 0, truncated: 0, notWritten: 0 };
        recorder = null;
        send({ type: 'stopped', stats });
        process.disconnect?.();
        setTimeout(() => process.exit(0), 50);
      })().catch((e: unknown) => { send({ type: 'error', message: (e as Error).message }); shutdown(1); });
    }
  });
  send({ type: 'hello', pid: process.pid });
}
