// firewall.rules: whether Hermetic's generated host firewall rules are loaded. Reading the rule
// set needs CAP_NET_ADMIN; without it the answer is unknown, so the check says `skip` with the
// reason — never `pass`. The firewall is the user's optional extra wall: not loaded is a warn.
import type { Check } from '../check.js';
import { isUnavailable } from '../deps.js';
import { isJailedServer } from '../proc.js';

export const firewallRules: Check = {
  id: 'firewall.rules',
  title: 'Host firewall rules loaded',
  async run(ctx) {
    const fw = ctx.deps.firewall;
    if (isUnavailable(fw)) return { status: 'skip', detail: fw.unavailable };
    if (isJailedServer(ctx.procRoot, ctx.env)) {
      // Reading rules needs a netlink socket, which this jailed server's filter refuses (and reports).
      return { status: 'skip', detail: 'this server runs under the seccomp jail, which refuses the netlink socket needed to read the rules; check on the host: `hermetic firewall` / `nft list ruleset`' };
    }
    const r = await fw.checkLoadedRules();
    const data = { ...r };
    if (r.loaded === null) return { status: 'skip', detail: `could not read the loaded rules: ${r.reason}`, data };
    if (r.loaded) return { status: 'pass', detail: `Hermetic's rules are loaded: ${r.reason}`, data };
    return { status: 'warn', detail: `Hermetic's firewall rules are not loaded (optional extra wall; see \`hermetic firewall\`): ${r.reason}`, data };
  },
};
