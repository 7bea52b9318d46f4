// Every route module, registered in this order after the security plugins. Other modules add
// theirs here (one import + one entry): convert (converters/convert/jobs), verify (security
// verify), monitor (events stream, metrics).
import type { RoutePlugin } from './types.js';
import { healthRoutes } from './health.js';
import { systemRoutes } from './system.js';
import { securityRoutes } from './security.js';
import { securityVerifyRoutes } from './security-verify.js';
import { eventsStreamRoutes } from './events-stream.js';
import { metricsRoutes } from './metrics.js';
import { uiRoutes } from './ui.js';
import { convertersRoutes } from './converters.js';
import { convertRoutes } from './convert.js';
import { jobsRoutes } from './jobs.js';
import { jobsStreamRoutes } from './jobs-stream.js';

export type { RoutePlugin } from './types.js';

export const routes: RoutePlugin[] = [
  healthRoutes,
  systemRoutes,
  securityRoutes,
  securityVerifyRoutes,
  eventsStreamRoutes,
  metricsRoutes,
  convertersRoutes,
  convertRoutes,
  jobsRoutes,
  jobsStreamRoutes,
  uiRoutes,
];
