// Contract of the security-event store (implemented in this folder). Other modules depend on
// these types only, never on SQL.

export const SECURITY_EVENT_TYPES = [
  'network_attempt',
  'dns_blocked',
  'p2p_blocked',
  'process_spawn_blocked',
  'process_terminated',
  'verification_completed',
  'verification_failed',
  'monitor_started',
  'monitor_stopped',
  'monitor_degraded',
  'monitor_hole',
  'events_dropped',
  'event_flood',
  'non_loopback_bind',
  'server_started',
  // A background task of the server (periodic work, pool replenishment) failed; the server
  // carried on. details: { task, error }.
  'background_fault',
] as const;
export type SecurityEventType = (typeof SECURITY_EVENT_TYPES)[number];
export type Severity = 'info' | 'warning' | 'critical';

/** Details are privacy-safe JSON: what tried to go where — never file contents, never file names unless opted in. */
export type EventDetails = Record<string, unknown>;

export interface NewSecurityEvent {
  type: SecurityEventType;
  severity: Severity;
  details: EventDetails;
  /** Identical events (same type + dedupKey) inside the aggregation window become one row with details.count. */
  dedupKey?: string;
}

export interface SecurityEvent {
  id: number;
  type: SecurityEventType;
  severity: Severity;
  details: EventDetails;
  timestamp: string; // ISO 8601, UTC
}

export interface EventQuery {
  since?: string;
  until?: string;
  type?: SecurityEventType | SecurityEventType[];
  severity?: Severity | Severity[];
  /** Rows with id > afterId (for tailing). */
  afterId?: number;
  limit?: number; // default 100, max 1000
  offset?: number;
  order?: 'asc' | 'desc'; // default desc
}

export interface EventPage {
  events: SecurityEvent[];
  total: number;
  limit: number;
  offset: number;
}

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface JobRecord {
  id: string;
  converter: string;
  status: JobStatus;
  inputBytes?: number;
  outputBytes?: number;
  queuedAt?: string;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  errorCode?: string | null;
  errorMessage?: string | null;
  /** Only when the user opted in (config.logFileNames). */
  fileNames?: string[] | null;
}

export interface SandboxRunRecord {
  jobId: string | null;
  pid: number;
  layers: string[];
  limits: Record<string, unknown>;
  usage?: Record<string, unknown>;
  violations: number;
  startedAt?: string;
  finishedAt?: string;
}

// ---- store API (implemented in store.ts) -------------------------------------------------

/** What record() did with an event. `id` is the row that holds it (null when dropped). */
export interface RecordResult {
  id: number | null;
  status: 'inserted' | 'aggregated' | 'dropped';
}

/** 'inserted': a new row; 'aggregated': an existing row's details.count grew. */
export type RecordedChange = 'inserted' | 'aggregated';
export type RecordedListener = (event: SecurityEvent, change: RecordedChange) => void;

export interface EventStoreOptions {
  dataDir: string;
  /** Keep user file names in job records and event details (config.logFileNames). Default false. */
  logFileNames?: boolean;
  /** Identical events inside this window share one row. Default 10 s. */
  aggregationWindowMs?: number;
  /** Token bucket: sustained new rows per second (default 20) and burst (default 100). */
  maxRowsPerSecond?: number;
  burstRows?: number;
  /** How often batched counters (aggregates, dropped events) are written. Default 1 s. */
  flushIntervalMs?: number;
  /** Database file name inside dataDir. Default 'hermetic.db'. */
  fileName?: string;
}

export interface JobStore {
  insert(job: JobRecord): void;
  update(id: string, changes: Partial<Omit<JobRecord, 'id'>>): void;
  get(id: string): JobRecord | null;
  list(limit?: number): JobRecord[];
}

export interface SandboxRunStore {
  /** Returns the run id. */
  insert(run: SandboxRunRecord): number;
  update(id: number, changes: Partial<SandboxRunRecord>): void;
  get(id: number): (SandboxRunRecord & { id: number }) | null;
  forJob(jobId: string): (SandboxRunRecord & { id: number })[];
}

export interface EventStore {
  readonly file: string;
  readonly driver: string;
  /** Durable when it returns 'inserted' (synchronous=FULL, one transaction per row). */
  record(event: NewSecurityEvent): RecordResult;
  query(q?: EventQuery): EventPage;
  /** Fires for every row inserted, and for every aggregated row when its count is written. */
  onRecorded(fn: RecordedListener): () => void;
  /** Occurrences by type (aggregated rows count details.count times). */
  counts(): Partial<Record<SecurityEventType, number>>;
  /** Occurrences of blocked attempts (network, DNS, P2P, process spawn). */
  blockedAttempts(): number;
  /** The most recent blocked-attempt row, if any. */
  lastBlockedAttempt(): SecurityEvent | null;
  /** Events dropped by the rate cap since open (also recorded as `events_dropped` rows). */
  readonly dropped: number;
  /** Write batched counters now. */
  flush(): void;
  jobs: JobStore;
  sandboxRuns: SandboxRunStore;
  close(): void;
}

/** Event types that are blocked attempts (what `hermetic status` counts). */
export const BLOCKED_ATTEMPT_TYPES: readonly SecurityEventType[] = ['network_attempt', 'dns_blocked', 'p2p_blocked', 'process_spawn_blocked'];
