// Rule generators, one file per platform; this maps a target to its generator.
import type { FirewallSpec, FirewallTarget, GeneratedRules } from '../types.js';
import { nftables, nftablesUndo } from './nftables.js';
import { iptables, iptablesUndo } from './iptables.js';
import { pf } from './pf.js';
import { windows } from './windows.js';
import { systemd } from './systemd.js';
import { docker } from './docker.js';

export function generate(target: FirewallTarget, spec: FirewallSpec): GeneratedRules {
  switch (target) {
    case 'nftables': return { target, files: nftables(spec) };
    case 'iptables': return { target, files: iptables(spec, 'ipv4') };
    case 'ip6tables': return { target, files: iptables(spec, 'ipv6') };
    case 'pf': return { target, files: pf(spec) };
    case 'windows': return { target, files: windows(spec) };
    case 'systemd': return { target, files: systemd(spec) };
    case 'docker': return { target, files: docker(spec) };
  }
}

/** Targets that have a machine-readable undo file (the others print their undo steps in comments). */
export const UNDO_TARGETS: readonly FirewallTarget[] = ['nftables', 'iptables', 'ip6tables'];

export function generateUndo(target: FirewallTarget, spec: FirewallSpec): GeneratedRules | null {
  switch (target) {
    case 'nftables': return { target, files: nftablesUndo() };
    case 'iptables': return { target, files: iptablesUndo(spec, 'ipv4') };
    case 'ip6tables': return { target, files: iptablesUndo(spec, 'ipv6') };
    default: return null;
  }
}
