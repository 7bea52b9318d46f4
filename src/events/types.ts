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
