// Verification makes blocked attempts on purpose (the tripwire self-test's loopback connect and
// send; in paranoid mode, the kernel probe's child). They reach the tripwire's listeners and
// the launcher's supervisor reports like any other attempt, so whoever counts attempts (the
// server's wiring into the events store and the monitor) asks this registry first: an attempt
// to a self-test target from this process during the test, or from a probe child, is ours —
// not a dependency phoning home.
interface Target { host: string; port: number }

const targets = new Set<string>();
const pids = new Set<number>();

const key = (t: Target) => `${t.host}|${t.port}`;

export function beginSelfTest(list: Target[]): () => void {
  const keys = list.map(key);
  for (const k of keys) targets.add(k);
  return () => { for (const k of keys) targets.delete(k); };
}

/** A probe child's pid stays known for a while after it exits: its reports can arrive late. */
export function registerProbePid(pid: number, keepMs = 30_000): void {
  pids.add(pid);
  setTimeout(() => pids.delete(pid), keepMs).unref();
}

/** True for an attempt verification made itself. */
export function isSelfTestAttempt(a: { pid?: number; host?: string; port?: number }): boolean {
  if (a.pid !== undefined && pids.has(a.pid)) return true;
  if (a.pid !== undefined && a.pid !== process.pid) return false;
  if (a.host === undefined || a.port === undefined) return false;
  return targets.has(key({ host: a.host, port: a.port }));
}
