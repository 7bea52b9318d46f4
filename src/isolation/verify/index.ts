// Public face of start-up verification: the service the server holds, the one-off run the CLI
// uses, the indicator formatters, and the convert decision.
export { IsolationService, type IsolationServiceOptions, type EventSink } from './service.js';
export { runVerification, summarizeLayers, type RunOptions } from './run.js';
export { decide, measureLevel, convertDecision, levelAtLeast, type ConvertDecision, type ConvertRefusal } from './verdict.js';
export { summarize, statusLine, reportTable, countsFromMonitor, type IsolationSummary, type AttemptCounts, type LastAttempt } from './summary.js';
export { loadDefaultDeps, isUnavailable, type VerifyDeps, type JailApi, type TripwireApi, type FirewallApi, type LoadedRulesResult, type Unavailable } from './deps.js';
export { ALL_CHECKS, CHECK_IDS, KERNEL_LAYERS, LAUNCHER_CANARY_ENV, LAUNCHER_NETNS_ENV, envProxy, hostNetwork, processSelf, serverBind, nodePermission, tripwireInstalled, tripwireSelftest, jailLayers, jailCanary, firewallRules } from './checks/index.js';
export type { Check, CheckContext, CheckOutcome } from './check.js';
export * from './types.js';
export { isSelfTestAttempt } from './selftest-targets.js';
