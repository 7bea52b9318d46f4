// The system programs the trap is built with (util-linux, iproute2, nftables/iptables) and our
// own frame recorder. Looked up on PATH and in the sbin folders, which an ordinary user's PATH
// often lacks although the programs are world-executable.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { packageRoot } from '../version.js';

const EXTRA_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/local/bin', '/usr/bin', '/bin'];

export function findProgram(name: string, path = process.env.PATH ?? ''): string | null {
  for (const dir of [...path.split(delimiter).filter(Boolean), ...EXTRA_DIRS]) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {}
  }
  return null;
}

/** native/trap.c, built by scripts/build-native.mjs next to the jail helper. */
export const recorderPath = join(packageRoot, 'native', 'build', 'hermetic-trap');

export function recorderBuilt(): boolean {
  try {
    accessSync(recorderPath, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface Tools {
  unshare: string;
  ip: string;
  nsenter: string;
  mount: string;
  setpriv: string | null;
  nft: string | null;
  iptables: string | null;
  ip6tables: string | null;
}

/** The programs the trap needs; throws naming every missing one. */
export function requireTools(): Tools {
  const need = { unshare: findProgram('unshare'), ip: findProgram('ip'), nsenter: findProgram('nsenter'), mount: findProgram('mount') };
  const missing = Object.entries(need).filter(([, v]) => !v).map(([k]) => k);
  if (missing.length) {
    throw new Error(`cannot build the trap: ${missing.join(', ')} not found (install util-linux and iproute2)`);
  }
  return {
    ...(need as { unshare: string; ip: string; nsenter: string; mount: string }),
    setpriv: findProgram('setpriv'),
    nft: findProgram('nft'),
    iptables: findProgram('iptables'),
    ip6tables: findProgram('ip6tables'),
  };
}
