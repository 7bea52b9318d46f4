// What the checks need from the other isolation modules, as small structural interfaces. The
// real modules are loaded lazily (loadDefaultDeps) so that a module that is missing or broken
// turns into a check that says so — never into a crash and never into a silent pass.
import type { Capabilities, JailHandle, JailSpawnOptions, ProbeOptions } from '../jail/types.js';
import type { TripwireStatus } from '../tripwire/types.js';

export interface JailApi {
  probe(options?: ProbeOptions): Capabilities | Promise<Capabilities>;
  spawn(command: string, args: string[], options?: JailSpawnOptions): JailHandle | Promise<JailHandle>;
}

export interface TripwireApi {
  status(): TripwireStatus;
}

/** Result of the firewall module's check of the loaded rule set. */
export interface LoadedRulesResult {
  /** null when it could not be determined (e.g. no CAP_NET_ADMIN). */
  loaded: boolean | null;
  reason: string;
  [key: string]: unknown;
}

export interface FirewallApi {
  checkLoadedRules(): LoadedRulesResult | Promise<LoadedRulesResult>;
}

/** A module that could not be loaded, with the reason (shown in the check's detail). */
export interface Unavailable {
  unavailable: string;
}

export type Dep<T> = T | Unavailable;

export function isUnavailable<T>(d: Dep<T>): d is Unavailable {
  return typeof d === 'object' && d !== null && 'unavailable' in d;
}

export interface VerifyDeps {
  jail: Dep<JailApi>;
  tripwire: Dep<TripwireApi>;
  firewall: Dep<FirewallApi>;
}

function hasFunctions(mod: Record<string, unknown>, names: string[]): string | null {
  const missing = names.filter((n) => typeof mod[n] !== 'function');
  return missing.length ? `module has no ${missing.join(', ')}()` : null;
}

async function load<T>(spec: string, what: string, fns: string[], adapt: (m: Record<string, unknown>) => T): Promise<Dep<T>> {
  try {
    const mod = (await import(spec)) as Record<string, unknown>;
    const missing = hasFunctions(mod, fns);
    if (missing) return { unavailable: `${what}: ${missing}` };
    return adapt(mod);
  } catch (e) {
    return { unavailable: `${what} could not be loaded: ${(e as Error).message.split('\n')[0]}` };
  }
}

/** The real jail, tripwire and firewall modules, each or its reason for being unavailable. */
export async function loadDefaultDeps(): Promise<VerifyDeps> {
  const [jail, tripwire, firewall] = await Promise.all([
    load<JailApi>('../jail/index.js', 'the jail module', ['probe', 'spawn'], (m) => m as unknown as JailApi),
    load<TripwireApi>('../tripwire/index.js', 'the tripwire module', ['status'], (m) => m as unknown as TripwireApi),
    load<FirewallApi>('../../firewall/index.js', 'the firewall module', ['checkLoadedRules'], (m) => m as unknown as FirewallApi),
  ]);
  return { jail, tripwire, firewall };
}
