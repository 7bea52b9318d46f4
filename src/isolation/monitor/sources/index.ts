// The monitor's sources, one file each.
export type { MonitorSource, SourceStatus, AttemptSink } from './source.js';
export { TripwireSource, isAttemptMessage, type TripwireLike, type TripwireScope, type IpcChild } from './tripwire.js';
export { SeccompSource, type SeccompProbe } from './seccomp.js';
export { ProcScanSource, jitteredDelay, type ProcScanSourceOptions } from './proc-scan.js';
export { NetnsCounterSource } from './netns.js';
