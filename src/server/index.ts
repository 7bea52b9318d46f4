// Public face of the API server.
export { buildApp, routeTable, DEFAULT_BODY_LIMIT, type BuildOptions, type RouteEntry } from './app.js';
export { startServer, StartError, type StartOptions, type RunningServer } from './start.js';
export type { AppContext, IsolationProvider, IsolationSummary, IsolationLayer, IsolationLevelName, MonitorView, BindInfo } from './context.js';
export { unverifiedSummary, isolationSummary } from './isolation-default.js';
export { HttpError, mapError, type ErrorBody } from './errors.js';
export { routes, type RoutePlugin } from './routes/index.js';
export { SECURITY_HEADERS, CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY, cookieName, listeningPort } from './plugins/index.js';
export { readToken, loadOrCreateToken, tokenPath } from './token.js';
export { CHALLENGE_HEADER, PROOF_HEADER, newChallenge, proofMatches } from './identity.js';
export { readRuntimeInfo, type RuntimeInfo } from './runtime-file.js';
export { loopbackAddress } from './loopback.js';
export { createLogger } from './logger.js';
export { formatStatusLine, describeIsolation, type StatusSnapshot } from './status-line.js';
