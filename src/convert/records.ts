// Job and sandbox-run rows, written behind the conversion instead of in its path. Every row
// write is a synchronous SQLite transaction with fsync (the event store runs synchronous=FULL,
// ~2.5 ms each here), and a job used to make five of them between the upload and the response.
// Now they are queued and written on the next turn of the event loop — while the worker
// converts, or just after the response has gone out — with the changes to one row merged. A
// crash loses at most the rows of the last turn; security events are not affected (the monitor
// records those itself, synchronously).
import type { EventStore, JobRecord, SandboxRunRecord } from '../events/index.js';

type Store = Pick<EventStore, 'jobs' | 'sandboxRuns'>;

/** A sandbox run whose row may not be written yet. */
export interface RunHandle { id: number | null }

type Op =
  | { kind: 'job'; id: string; insert: JobRecord | null; update: Partial<Omit<JobRecord, 'id'>> }
  | { kind: 'run'; handle: RunHandle; insert: SandboxRunRecord | null; update: Partial<SandboxRunRecord> };

export class Records {
  private readonly ops: Op[] = [];
  private readonly jobOps = new Map<string, Extract<Op, { kind: 'job' }>>();
  private readonly runOps = new Map<RunHandle, Extract<Op, { kind: 'run' }>>();
  private scheduled = false;

  constructor(private readonly store: Store | undefined) {}

  jobInserted(job: JobRecord): void {
    if (!this.store) return;
    const op = { kind: 'job' as const, id: job.id, insert: job, update: {} };
    this.ops.push(op);
    this.jobOps.set(job.id, op);
    this.schedule();
  }

  jobUpdated(id: string, changes: Partial<Omit<JobRecord, 'id'>>): void {
    if (!this.store) return;
    let op = this.jobOps.get(id);
    if (!op) { op = { kind: 'job', id, insert: null, update: {} }; this.ops.push(op); this.jobOps.set(id, op); }
    Object.assign(op.update, changes);
    this.schedule();
  }

  runStarted(run: SandboxRunRecord): RunHandle {
    const handle: RunHandle = { id: null };
    if (!this.store) return handle;
    const op = { kind: 'run' as const, handle, insert: run, update: {} };
    this.ops.push(op);
    this.runOps.set(handle, op);
    this.schedule();
    return handle;
  }

  runUpdated(handle: RunHandle, changes: Partial<SandboxRunRecord>): void {
    if (!this.store) return;
    let op = this.runOps.get(handle);
    if (!op) { op = { kind: 'run', handle, insert: null, update: {} }; this.ops.push(op); this.runOps.set(handle, op); }
    Object.assign(op.update, changes);
    this.schedule();
  }

  /** Write everything queued now (also called on close). */
  flush(): void {
    this.scheduled = false;
    const ops = this.ops.splice(0);
    this.jobOps.clear();
    this.runOps.clear();
    const s = this.store;
    if (!s) return;
    for (const op of ops) {
      try {
        if (op.kind === 'job') {
          if (op.insert) s.jobs.insert({ ...op.insert, ...op.update });
          else s.jobs.update(op.id, op.update);
        } else if (op.insert) {
          op.handle.id = s.sandboxRuns.insert({ ...op.insert, ...op.update });
        } else if (op.handle.id !== null) {
          s.sandboxRuns.update(op.handle.id, op.update);
        }
      } catch {
        // A full disk or a closed store must not take conversions down; the rows are history.
      }
    }
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }
}
