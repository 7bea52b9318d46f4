// Every check, in the order they are reported (they run side by side; none reads another's
// result): local reads first, then the tripwire, then the jail (the canary is the slowest),
// then the optional firewall.
import type { Check } from '../check.js';
import { envProxy } from './env-proxy.js';
import { hostNetwork } from './host-network.js';
import { processSelf } from './process-self.js';
import { serverBind } from './server-bind.js';
import { nodePermission } from './node-permission.js';
import { tripwireInstalled } from './tripwire-installed.js';
import { tripwireSelftest } from './tripwire-selftest.js';
import { jailLayers } from './jail-layers.js';
import { jailCanary } from './jail-canary.js';
import { firewallRules } from './firewall-rules.js';

export const ALL_CHECKS: readonly Check[] = [
  envProxy,
  hostNetwork,
  processSelf,
  serverBind,
  nodePermission,
  tripwireInstalled,
  tripwireSelftest,
  jailLayers,
  jailCanary,
  firewallRules,
];

export const CHECK_IDS: readonly string[] = ALL_CHECKS.map((c) => c.id);

export { envProxy, hostNetwork, processSelf, serverBind, nodePermission, tripwireInstalled, tripwireSelftest, jailLayers, jailCanary, firewallRules };
export { KERNEL_LAYERS } from './jail-layers.js';
export { LAUNCHER_CANARY_ENV, CANARY_CHILD } from './jail-canary.js';
export { LAUNCHER_NETNS_ENV } from './process-self.js';
