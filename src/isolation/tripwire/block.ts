// The one way a hook refuses a call: blame the culprit from the stack, record the Attempt, and
// hand back the NetworkBlockedError for the hook to throw, reject or emit as the API would.
import type { Attempt, AttemptKind } from './types.js';
import { currentCulprit, type Frame } from './attribution.js';
import { NetworkBlockedError } from './errors.js';
import { record } from './report.js';

export interface BlockRequest {
  kind: AttemptKind;
  /** A fixed API name, or one chosen from the Node-internal frame the culprit called into. */
  api: string | ((entry: Frame | undefined) => string | { api: string; protocol: string });
  host?: string;
  port?: number;
  family?: string;
  protocol?: string;
  /** Module name (p2p) or program (process spawn). */
  target?: string;
  /** The destination as shown in the message; defaults to host:port or target. */
  shown: string;
  /** The caller's package when already known (e.g. from an ESM parentURL). */
  package?: string;
  stackTop?: string;
}

export interface Blocked {
  error: NetworkBlockedError;
  attempt: Attempt;
}

export function block(req: BlockRequest): Blocked {
  const culprit = req.package ? { package: req.package, stackTop: req.stackTop, entry: undefined } : currentCulprit();
  const named = typeof req.api === 'function' ? req.api(culprit.entry) : req.api;
  const api = typeof named === 'string' ? named : named.api;
  const protocol = typeof named === 'string' ? req.protocol : named.protocol;
  const attempt = record({
    kind: req.kind,
    api,
    ...(req.host !== undefined ? { host: req.host } : {}),
    ...(req.port !== undefined ? { port: req.port } : {}),
    ...(req.family !== undefined ? { family: req.family } : {}),
    ...(protocol !== undefined ? { protocol } : {}),
    ...(req.target !== undefined ? { target: req.target } : {}),
    package: culprit.package,
    ...(culprit.stackTop !== undefined ? { stackTop: culprit.stackTop } : {}),
  });
  const error = new NetworkBlockedError({ api, target: req.shown, package: culprit.package });
  if (req.host !== undefined) { error.hostname = req.host; error.address = req.host; }
  if (req.port !== undefined) error.port = req.port;
  return { error, attempt };
}
