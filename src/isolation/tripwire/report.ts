// Where an attempt goes once recorded: the in-process listeners (the server wires these into the
// event store / monitor), the parent process over IPC when we are a Node child with a channel,
// and — from a worker thread — the main thread of this process over a BroadcastChannel.
import { BroadcastChannel, isMainThread } from 'node:worker_threads';
import type { Attempt, AttemptMessage } from './types.js';
import { state } from './state.js';

const RELAY_CHANNEL = 'hermetic:tripwire:attempts';
let relay: BroadcastChannel | undefined;

function relayChannel(): BroadcastChannel {
  if (!relay) {
    relay = new BroadcastChannel(RELAY_CHANNEL);
    // Never keep a process or worker alive just to report.
    relay.unref();
  }
  return relay;
}

/** Main thread: accept attempts relayed by worker threads of this process. */
export function listenForWorkerAttempts(): void {
  if (!isMainThread) return;
  relayChannel().onmessage = (ev: unknown) => {
    const msg = (ev as { data?: Partial<AttemptMessage> | null }).data;
    if (msg?.hermetic === 'attempt' && msg.attempt) deliver(msg.attempt);
  };
}

function sendToParent(attempt: Attempt): void {
  if (typeof process.send !== 'function' || !process.connected) return;
  const msg: AttemptMessage = { hermetic: 'attempt', attempt };
  try {
    process.send(msg, undefined, {}, () => { /* a closed channel is not our caller's problem */ });
  } catch { /* channel closed while sending */ }
}

function deliver(attempt: Attempt): void {
  const s = state();
  s.attempts++;
  for (const fn of s.listeners) {
    try { fn(attempt); } catch { /* a listener must never turn a block into a crash */ }
  }
  if (isMainThread) sendToParent(attempt);
}

export type AttemptInput = Omit<Attempt, 'pid' | 'ts' | 'jobId'>;

export function record(input: AttemptInput): Attempt {
  const s = state();
  const attempt: Attempt = { ...input, pid: process.pid, ts: new Date().toISOString() };
  if (s.jobId) attempt.jobId = s.jobId;
  deliver(attempt);
  if (!isMainThread) {
    try { relayChannel().postMessage({ hermetic: 'attempt', attempt } satisfies AttemptMessage); } catch { /* closing */ }
  }
  return attempt;
}
