// Job and sandbox-run records. Sizes, timings, outcomes — never contents; file names only when
// the user opted in (the store drops them otherwise, whatever the caller passes).
import type { SqlDatabase, SqlValue } from './driver.js';
import type { JobRecord, JobStore, SandboxRunRecord, SandboxRunStore } from './types.js';
import { ownerAlive, ownerOfThisProcess } from './owner.js';

const JOB_COLUMNS: Record<Exclude<keyof JobRecord, 'id'>, string> = {
  converter: 'converter',
  status: 'status',
  inputBytes: 'input_bytes',
  outputBytes: 'output_bytes',
  queuedAt: 'queued_at',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
  durationMs: 'duration_ms',
  errorCode: 'error_code',
  errorMessage: 'error_message',
  fileNames: 'file_names',
};

function toSql(v: unknown): SqlValue {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'bigint') return v;
  return JSON.stringify(v);
}

function parseJson<T>(text: unknown, fallback: T): T {
  if (typeof text !== 'string') return fallback;
  try { return JSON.parse(text) as T; } catch { return fallback; }
}

interface JobRow {
  id: string; converter: string; status: JobRecord['status'];
  input_bytes: number | null; output_bytes: number | null; queued_at: string | null; started_at: string | null;
  finished_at: string | null; duration_ms: number | null; error_code: string | null; error_message: string | null; file_names: string | null;
}

function jobFromRow(r: JobRow): JobRecord {
  const job: JobRecord = { id: r.id, converter: r.converter, status: r.status };
  if (r.input_bytes !== null) job.inputBytes = Number(r.input_bytes);
  if (r.output_bytes !== null) job.outputBytes = Number(r.output_bytes);
  if (r.queued_at !== null) job.queuedAt = r.queued_at;
  if (r.started_at !== null) job.startedAt = r.started_at;
  if (r.finished_at !== null) job.finishedAt = r.finished_at;
  if (r.duration_ms !== null) job.durationMs = Number(r.duration_ms);
  job.errorCode = r.error_code;
  job.errorMessage = r.error_message;
  job.fileNames = parseJson<string[] | null>(r.file_names, null);
  return job;
}

export const INTERRUPTED_MESSAGE = 'the process running this job stopped (crashed or was killed) before the job ended; submit it again';

export function createJobStore(db: SqlDatabase, logFileNames: boolean): JobStore {
  const privacy = <T extends Partial<JobRecord>>(j: T): T => (logFileNames ? j : { ...j, fileNames: undefined });
  const owner = ownerOfThisProcess();
  return {
    insert(job) {
      const j = privacy({ queuedAt: new Date().toISOString(), ...job });
      const keys = Object.keys(JOB_COLUMNS) as (keyof typeof JOB_COLUMNS)[];
      // The owner process goes with every row: a later start can tell a dead process's job.
      db.prepare(`INSERT INTO jobs (id, ${keys.map((k) => JOB_COLUMNS[k]).join(', ')}, owner) VALUES (?${', ?'.repeat(keys.length)}, ?)`)
        .run(j.id, ...keys.map((k) => toSql(j[k])), owner);
    },
    reconcileInterrupted() {
      const rows = db.prepare("SELECT id, owner FROM jobs WHERE status IN ('queued', 'running')").all() as { id: string; owner: string | null }[];
      const dead = rows.filter((r) => !ownerAlive(r.owner)).map((r) => r.id);
      if (!dead.length) return [];
      const now = new Date().toISOString();
      const mark = db.prepare("UPDATE jobs SET status = 'interrupted', finished_at = ?, error_code = 'INTERRUPTED', error_message = ? WHERE id = ? AND status IN ('queued', 'running')");
      db.exec('BEGIN IMMEDIATE');
      try {
        for (const id of dead) mark.run(now, INTERRUPTED_MESSAGE, id);
        db.exec('COMMIT');
      } catch (e) {
        db.exec('ROLLBACK');
        throw e;
      }
      return dead;
    },
    update(id, changes) {
      const c = privacy(changes);
      const keys = (Object.keys(c) as (keyof typeof JOB_COLUMNS)[]).filter((k) => k in JOB_COLUMNS && c[k] !== undefined);
      if (!keys.length) return;
      db.prepare(`UPDATE jobs SET ${keys.map((k) => `${JOB_COLUMNS[k]} = ?`).join(', ')} WHERE id = ?`)
        .run(...keys.map((k) => toSql(c[k])), id);
    },
    get(id) {
      const r = db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
      return r ? jobFromRow(r) : null;
    },
    list(limit = 100) {
      const rows = db.prepare('SELECT * FROM jobs ORDER BY queued_at DESC, rowid DESC LIMIT ?').all(Math.min(Math.max(1, limit), 1000)) as JobRow[];
      return rows.map(jobFromRow);
    },
  };
}

const RUN_COLUMNS: Record<keyof SandboxRunRecord, string> = {
  jobId: 'job_id',
  pid: 'pid',
  layers: 'layers',
  limits: 'limits',
  usage: 'usage',
  violations: 'violations',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
};

interface RunRow {
  id: number; job_id: string | null; pid: number; layers: string; limits: string; usage: string | null;
  violations: number; started_at: string | null; finished_at: string | null;
}

function runFromRow(r: RunRow): SandboxRunRecord & { id: number } {
  const run: SandboxRunRecord & { id: number } = {
    id: Number(r.id),
    jobId: r.job_id,
    pid: Number(r.pid),
    layers: parseJson<string[]>(r.layers, []),
    limits: parseJson<Record<string, unknown>>(r.limits, {}),
    violations: Number(r.violations),
  };
  if (r.usage !== null) run.usage = parseJson<Record<string, unknown>>(r.usage, {});
  if (r.started_at !== null) run.startedAt = r.started_at;
  if (r.finished_at !== null) run.finishedAt = r.finished_at;
  return run;
}

export function createSandboxRunStore(db: SqlDatabase): SandboxRunStore {
  return {
    insert(run) {
      const r = { startedAt: new Date().toISOString(), ...run };
      const keys = Object.keys(RUN_COLUMNS) as (keyof SandboxRunRecord)[];
      const res = db.prepare(`INSERT INTO sandbox_runs (${keys.map((k) => RUN_COLUMNS[k]).join(', ')}) VALUES (?${', ?'.repeat(keys.length - 1)})`)
        .run(...keys.map((k) => toSql(r[k])));
      return Number(res.lastInsertRowid);
    },
    update(id, changes) {
      const keys = (Object.keys(changes) as (keyof SandboxRunRecord)[]).filter((k) => k in RUN_COLUMNS && changes[k] !== undefined);
      if (!keys.length) return;
      db.prepare(`UPDATE sandbox_runs SET ${keys.map((k) => `${RUN_COLUMNS[k]} = ?`).join(', ')} WHERE id = ?`)
        .run(...keys.map((k) => toSql(changes[k])), id);
    },
    get(id) {
      const r = db.prepare('SELECT * FROM sandbox_runs WHERE id = ?').get(id) as RunRow | undefined;
      return r ? runFromRow(r) : null;
    },
    forJob(jobId) {
      return (db.prepare('SELECT * FROM sandbox_runs WHERE job_id = ? ORDER BY id').all(jobId) as RunRow[]).map(runFromRow);
    },
  };
}
