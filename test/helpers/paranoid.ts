// Whether paranoid mode can run here (Linux, the jail helper built, seccomp available): the
// reason it cannot, or null. Shared by every test that starts a paranoid server.
import { helperBuilt, probe } from '../../src/isolation/jail/index.js';

export function paranoidUnavailable(): string | null {
  if (process.platform !== 'linux') return 'paranoid mode needs Linux';
  if (!helperBuilt()) return 'native/build/hermetic-jail is not built (no C compiler at install)';
  const seccomp = probe().layers.seccomp;
  if (!seccomp.available) return `seccomp is not available here: ${seccomp.reason}`;
  return null;
}
