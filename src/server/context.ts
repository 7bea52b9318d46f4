// What every route and plugin receives. The required part is built by startServer(); the
// optional services are filled in by the modules that own them (verify, monitor, convert),
// and every route must cope with their absence by saying so, never by pretending.
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Config, Strictness } from '../config/index.js';
import type { EventStore } from '../events/index.js';
import type { MonitorState } from '../isolation/monitor/types.js';

export type IsolationLevelName = 'unverified' | 'runtime-only' | 'kernel-enforced';

/** One layer as the indicator shows it. */
export interface IsolationLayer {
  name: string;
  inForce: boolean;
  reason: string;
}

/** The isolation block of GET /api/health (and what `hermetic status` prints). */
export interface IsolationSummary {
  level: IsolationLevelName;
  verified: boolean;
  verifiedAt: string | null;
  strictness: Strictness;
  layers: IsolationLayer[];
  blockedAttempts: number;
  lastAttempt: { ts: string; type: string; summary: string } | null;
  monitor: { active: boolean; since: string | null };
  /** Why the level is what it is (one short sentence). */
  reason?: string;
}

/** Provided by the verification module (issue 6). */
export interface IsolationProvider {
  summary(): IsolationSummary | Promise<IsolationSummary>;
  /** Full detail for GET /api/security/network-status (the latest verification report etc.). */
  report(): unknown | Promise<unknown>;
  /** Run the verification now (POST /api/security/verify). */
  verify(): Promise<unknown>;
}

/** The part of the runtime monitor the server reads (src/isolation/monitor Monitor satisfies it). */
export interface MonitorView {
  state(): MonitorState;
}

/** Where the server is bound; `nonLoopback` is true only with --allow-non-loopback. */
export interface BindInfo {
  host: string;
  port: number;
  nonLoopback: boolean;
  /** How the socket was obtained: our own listen(), or an inherited fd (paranoid launcher). */
  via: 'listen' | 'fd';
}

export interface AppContext {
  config: Config;
  store: EventStore;
  /** The API token (256-bit, hex). */
  token: string;
  logger: Logger;
  startedAt: string;
  /** Filled once listening. */
  bind: BindInfo | null;
  isolation?: IsolationProvider;
  monitor?: MonitorView;
  /** The convert module's job service; opaque here. */
  jobs?: unknown;
  metrics?: Registry;
}
