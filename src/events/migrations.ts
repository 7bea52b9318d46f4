// Schema migrations, applied in order by `PRAGMA user_version`. Append only: never edit a
// migration that has shipped; add the next one.
import type { SqlDatabase } from './driver.js';

export const MIGRATIONS: readonly string[] = [
  // 1: security events, jobs, sandbox runs.
  `
  CREATE TABLE security_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_type TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    details TEXT,
    timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP
  );
  CREATE INDEX idx_security_events_timestamp ON security_events (timestamp);
  CREATE INDEX idx_security_events_type ON security_events (event_type);

  -- Never file contents; file names only when the user opted in (config.logFileNames).
  CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    converter TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    input_bytes INTEGER,
    output_bytes INTEGER,
    queued_at TEXT,
    started_at TEXT,
    finished_at TEXT,
    duration_ms INTEGER,
    error_code TEXT,
    error_message TEXT,
    file_names TEXT
  );
  CREATE INDEX idx_jobs_queued_at ON jobs (queued_at);

  -- One row per jailed worker process. job_id is NULL while a warm worker waits for its job.
  CREATE TABLE sandbox_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id TEXT,
    pid INTEGER NOT NULL,
    layers TEXT NOT NULL,
    limits TEXT NOT NULL,
    usage TEXT,
    violations INTEGER NOT NULL DEFAULT 0,
    started_at TEXT,
    finished_at TEXT
  );
  CREATE INDEX idx_sandbox_runs_job ON sandbox_runs (job_id);
  `,
  // 2: job status 'interrupted' (its process died before the job ended: reconciled at start-up)
  //    and the owner process ("pid:starttime") that tells a live job from a dead one. SQLite
  //    cannot change a CHECK constraint in place: the table is rebuilt, every row kept.
  `
  CREATE TABLE jobs_v2 (
    id TEXT PRIMARY KEY,
    converter TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted')),
    input_bytes INTEGER,
    output_bytes INTEGER,
    queued_at TEXT,
    started_at TEXT,
    finished_at TEXT,
    duration_ms INTEGER,
    error_code TEXT,
    error_message TEXT,
    file_names TEXT,
    owner TEXT
  );
  INSERT INTO jobs_v2 (id, converter, status, input_bytes, output_bytes, queued_at, started_at, finished_at, duration_ms, error_code, error_message, file_names)
    SELECT id, converter, status, input_bytes, output_bytes, queued_at, started_at, finished_at, duration_ms, error_code, error_message, file_names FROM jobs;
  DROP TABLE jobs;
  ALTER TABLE jobs_v2 RENAME TO jobs;
  CREATE INDEX idx_jobs_queued_at ON jobs (queued_at);
  CREATE INDEX idx_jobs_unfinished ON jobs (status) WHERE status IN ('queued', 'running');
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export class SchemaTooNewError extends Error {
  readonly code = 'EVENTS_SCHEMA_TOO_NEW';
}

function userVersion(db: SqlDatabase): number {
  const row = db.prepare('PRAGMA user_version').get() as { user_version: number | bigint };
  return Number(row.user_version);
}

/** Bring the database to SCHEMA_VERSION; each step is one transaction with its version bump. */
export function migrate(db: SqlDatabase): { from: number; to: number } {
  const from = userVersion(db);
  if (from > SCHEMA_VERSION) {
    throw new SchemaTooNewError(`event database schema v${from} is newer than this hermetic understands (v${SCHEMA_VERSION}); upgrade hermetic`);
  }
  for (let v = from; v < SCHEMA_VERSION; v++) {
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(MIGRATIONS[v] as string);
      db.exec(`PRAGMA user_version = ${v + 1}`);
      db.exec('COMMIT');
    } catch (e) {
      db.exec('ROLLBACK');
      throw e;
    }
  }
  return { from, to: SCHEMA_VERSION };
}
