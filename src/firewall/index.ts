// Public face of the firewall module: rule generators for each platform (one more wall,
// outside the application, for users who want it) and the check of the rules loaded now.
export { FIREWALL_TARGETS, type FirewallTarget, type FirewallSpec, type FirewallIdentity, type GeneratedFile, type GeneratedRules,
  type LoopbackPolicy, type LoadedRulesResult, type LoadedRuleset, type LoadedStatus } from './types.js';
export { FirewallInputError } from './errors.js';
export { NFT_TABLE, IPT_CHAIN, LOG_PREFIX, WINDOWS_GROUP, PF_ANCHOR } from './constants.js';
export { buildSpec, parseTarget, defaultCliPath, WINDOWS_DEFAULT_NODE, type FirewallInput, type SpecDefaults } from './options.js';
export { resolveIdentity, lookupUser, lookupUid } from './identity.js';
export { generate, generateUndo, UNDO_TARGETS } from './generators/index.js';
export { checkLoadedRules, type CheckOptions } from './check/loaded.js';
export { parseNftRuleset } from './check/parse-nft.js';
export { parseIptablesSave } from './check/parse-iptables.js';
