// Who the server and `hermetic run` run as inside the trap. As root: root, as usual. As an
// ordinary user, the trap's own processes are "root" of an unprivileged user namespace (that is
// what lets them make interfaces and mounts); the server must not run with those powers, so it
// goes one user namespace deeper, mapped back to the user's own uid and gid: it is the user,
// with no capability at all, exactly as when the user runs `hermetic serve`.
// setpriv --pdeathsig: if the orchestrator dies, its children die with it.
import type { Tools } from './tools.js';
import type { TrapPlan } from './types.js';

/** Command prefix that runs a program as the user inside the trap. */
export function asUserPrefix(plan: Pick<TrapPlan, 'mode' | 'uid' | 'gid'>, tools: Pick<Tools, 'unshare' | 'setpriv'>): string[] {
  const deathsig = tools.setpriv ? [tools.setpriv, '--pdeathsig', 'KILL', '--'] : [];
  if (plan.mode === 'root') return deathsig;
  return [tools.unshare, '--user', `--map-user=${plan.uid}`, `--map-group=${plan.gid}`, '--', ...deathsig];
}
