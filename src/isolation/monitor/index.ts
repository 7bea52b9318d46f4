// Public face of the runtime monitor.
export { createMonitor, type MonitorOptions } from './monitor.js';
export { createServerMonitor, selfTestFilter, type ServerMonitorOptions } from './for-server.js';
export { gracefulTerminate, type TerminateTarget, type TerminateOutcome } from './terminate.js';
export { terminationThreshold, processKey, resolveWatched, ViolationLedger } from './policy.js';
export { toSecurityEvent, eventTypeOf, culpritOf } from './event-map.js';
export { isAttemptMessage, jitteredDelay, type TripwireLike, type TripwireScope, type SeccompProbe, type SourceStatus } from './sources/index.js';
export { ProcScanner, startTimeOf, isSameProcess, readNetnsCounters, attemptDelta, type ScanRules, type ScanResult, type SocketFinding } from './proc/index.js';
export * from './types.js';
