// Resolve the identity a rule is written for. `id` is used because it answers for every user
// source the system knows (passwd, LDAP, macOS Directory Services), not just /etc/passwd.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { FirewallInputError } from './errors.js';
import type { FirewallIdentity } from './types.js';

/** POSIX-ish portable user names (useradd's rule, plus the trailing `$` of machine accounts). */
const USER_NAME = /^[a-z_][a-z0-9_.-]{0,31}\$?$/i;

export type UserLookup = (name: string) => number | null;
export type UidLookup = (uid: number) => string | null;

function fromPasswd(match: (fields: string[]) => boolean): string[] | null {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f.length >= 3 && match(f)) return f;
    }
  } catch {}
  return null;
}

/** uid of a user name, or null when the system does not know it. */
export const lookupUser: UserLookup = (name) => {
  const r = spawnSync('id', ['-u', '--', name], { encoding: 'utf8' });
  if (!r.error) return r.status === 0 && /^\d+$/.test(r.stdout.trim()) ? Number(r.stdout.trim()) : null;
  const f = fromPasswd((x) => x[0] === name);
  return f ? Number(f[2]) : null;
};

/** Name of a uid, or null (a numeric uid without a name is still a valid rule target). */
export const lookupUid: UidLookup = (uid) => {
  const r = spawnSync('id', ['-nu', '--', String(uid)], { encoding: 'utf8' });
  if (!r.error) return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
  const f = fromPasswd((x) => x[2] === String(uid));
  return f ? (f[0] ?? null) : null;
};

export interface IdentityInput {
  user?: string;
  uid?: string | number;
}

/**
 * The identity from --user/--uid. Refuses root: a uid 0 rule would cut the network of every
 * root process on the machine (package manager, sshd's replies), which is never what a user
 * of this command wants.
 */
export function resolveIdentity(input: IdentityInput, lookup: UserLookup = lookupUser, reverse: UidLookup = lookupUid): FirewallIdentity {
  if (input.user !== undefined && input.uid !== undefined) {
    throw new FirewallInputError('give either --user NAME or --uid N, not both');
  }
  let identity: FirewallIdentity;
  if (input.user !== undefined) {
    if (!USER_NAME.test(input.user)) throw new FirewallInputError(`--user: '${input.user}' is not a valid user name`);
    const uid = lookup(input.user);
    if (uid === null) {
      throw new FirewallInputError(`--user: unknown user '${input.user}' (create a dedicated one first, e.g. \`sudo useradd --system --no-create-home --shell /usr/sbin/nologin ${input.user}\`)`);
    }
    identity = { uid, user: input.user };
  } else if (input.uid !== undefined) {
    const s = String(input.uid);
    if (!/^\d{1,10}$/.test(s) || Number(s) > 0xfffffffe) throw new FirewallInputError(`--uid: '${s}' is not a uid (a whole number 0..4294967294)`);
    const uid = Number(s);
    const user = reverse(uid);
    identity = user ? { uid, user } : { uid };
  } else {
    throw new FirewallInputError('say whose traffic to block: --user NAME or --uid N (a dedicated user is recommended, see docs/security/firewall-rules.md)');
  }
  if (identity.uid === 0) {
    throw new FirewallInputError("refusing root (uid 0) as Hermetic's identity: rules for it would block the network of every root process on this machine; run Hermetic as a dedicated user");
  }
  return identity;
}
