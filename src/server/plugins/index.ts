// The server's cross-cutting plugins, in the order their hooks must run:
// headers (onSend, on everything) → request target (one strict reading of the path) →
// Host/Origin (refusals here never spend the owner's budget) → rate limit → token → routes.
import type { ServerPlugin } from './types.js';
import { securityHeaders } from './security-headers.js';
import { rateLimiter } from './rate-limit.js';
import { hostOriginCheck } from './host-origin.js';
import { tokenAuth } from './token-auth.js';
import { errorHandler } from './error-handler.js';
import { requestTarget } from './request-target.js';
import { identity } from './identity.js';
import { requestLog } from './request-log.js';

export { SECURITY_HEADERS, CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY } from './security-headers.js';
export { cookieName } from './token-auth.js';
export { listeningPort, type ServerPlugin } from './types.js';

export const PLUGINS: readonly ServerPlugin[] = [errorHandler, securityHeaders, identity, requestLog, requestTarget, hostOriginCheck, rateLimiter, tokenAuth];
