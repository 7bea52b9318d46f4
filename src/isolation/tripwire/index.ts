// Public face of the tripwire: the in-process network guard that blocks and names the culprit.
export { install, status, onAttempt } from './install.js';
export { NetworkBlockedError, isNetworkBlockedError } from './errors.js';
export { registerUrl, registerPath, nodeImportArgs, withTripwireExecArgv, hasTripwireImport } from './preload.js';
export { optionsFromEnv, envForOptions, ENV as TRIPWIRE_ENV } from './env.js';
export { eventForAttempt } from './events.js';
export { packageFromPath } from './attribution.js';
export { networkProgramIn, networkProgramInShell } from './programs.js';
export { p2pPackageOf } from './p2p.js';
export * from './types.js';
