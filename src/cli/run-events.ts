// `hermetic run` -> the security-event store: every blocked attempt of the jailed program becomes
// a row (the same mapping the server's monitor uses), so `hermetic events` and the UI show what a
// one-off `hermetic run` caught. The store is opened at the first event: a run that tries
// nothing costs nothing, and a store that cannot be opened costs one warning, never the run.
import { loadConfig } from '../config/index.js';
import type { EventStore, NewSecurityEvent } from '../events/index.js';
import type { JailAttempt, JailNotice } from '../isolation/jail/index.js';
import { toSecurityEvent } from '../isolation/monitor/index.js';

export interface RunEventRecorder {
  attempt(a: JailAttempt, violations: number): void;
  notice(n: JailNotice): void;
  /** Write what is queued and close the store (await it before exiting). */
  close(): Promise<void>;
}

export interface RunEventOptions {
  /** --data-dir; default: as `hermetic serve` (config file / HERMETIC_DATA_DIR / XDG). */
  dataDir: string | undefined;
  /** The jailed command's file name (not its arguments: they may name the user's files). */
  command: string;
  warn?: (line: string) => void;
}

async function openStore(dataDir: string | undefined): Promise<EventStore> {
  const { openEventStore } = await import('../events/index.js');
  return openEventStore(loadConfig({ flags: dataDir !== undefined ? { dataDir } : {} }));
}

export function runEventRecorder(opts: RunEventOptions): RunEventRecorder {
  const warn = opts.warn ?? ((l: string) => { process.stderr.write(`${l}\n`); });
  const queue: NewSecurityEvent[] = [];
  let store: EventStore | null = null;
  let opening: Promise<void> | null = null;

  const flush = (): void => { if (store) for (const e of queue.splice(0)) store.record(e); };
  const record = (e: NewSecurityEvent): void => {
    queue.push(e);
    if (store) { flush(); return; }
    opening ??= openStore(opts.dataDir).then(
      (s) => { store = s; flush(); },
      (err: unknown) => { queue.length = 0; warn(`hermetic run: attempts are not recorded in the event store: ${(err as Error).message}`); },
    );
  };
  return {
    attempt(a, violations) {
      const ev = toSecurityEvent({ detector: 'seccomp', pid: a.pid, jail: a, summary: a.program ? { program: a.program } : {} }, { violations, terminated: false });
      record({ ...ev, details: { ...ev.details, via: 'hermetic run', command: opts.command } });
    },
    notice(n) {
      if (n.kind !== 'nscd') return;
      record({
        type: 'nscd_probe', severity: 'info',
        details: {
          detector: 'seccomp', via: 'hermetic run', command: opts.command, pid: n.pid,
          ...(n.program ? { program: n.program } : {}), ...(n.exe ? { exe: n.exe } : {}), ...(n.destination ? { destination: n.destination } : {}),
          note: 'glibc asks the name-service cache (nscd) first for every user, group and host lookup: refused, reported once per run, not a violation',
        },
      });
    },
    async close() {
      if (opening) await opening;
      flush();
      store?.close();
      store = null;
    },
  };
}
