// The shape of one check and the context every check receives.
import type { Strictness } from '../../config/index.js';
import type { CheckStatus } from './types.js';
import type { VerifyDeps } from './deps.js';
import type { LayerName } from '../jail/types.js';

export interface CheckContext {
  strictness: Strictness;
  /** 'server': the process that serves the API; 'cli': `hermetic verify` (no server here). */
  role: 'server' | 'cli';
  env: NodeJS.ProcessEnv;
  /** '/proc' and '/etc' in production; tests point them at fixture trees. */
  procRoot: string;
  etcRoot: string;
  deps: VerifyDeps;
  /** Port the server listens on (server role), so in-jail checks have a loopback target. */
  serverPort?: number;
  /** The server's listening addresses from getsockname() (server role). */
  serverAddresses?: { address: string; port: number }[];
  /** Fault injection for the jail (tests, `hermetic verify --fault`): passed to probe() and spawn() alike. */
  jailFault?: LayerName[];
  /** Per-check budget; a check that runs longer fails. */
  timeoutMs: number;
}

/** What a check's run() returns; the runner adds id, title and ms. */
export interface CheckOutcome {
  status: CheckStatus;
  detail: string;
  data?: Record<string, unknown>;
}

export interface Check {
  id: string;
  title: string;
  informational?: boolean;
  run(ctx: CheckContext): Promise<CheckOutcome>;
}
