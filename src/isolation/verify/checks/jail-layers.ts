// jail.layers: what the capability probe found, layer by layer, with its reasons. This is what
// the jail *can* apply; jail.canary then measures what it *does*.
import type { Check } from '../check.js';
import { isUnavailable } from '../deps.js';
import type { LayerName } from '../../jail/types.js';

export const KERNEL_LAYERS: readonly LayerName[] = ['namespace', 'seccomp', 'landlock'];

export const jailLayers: Check = {
  id: 'jail.layers',
  title: 'Kernel layers available',
  async run(ctx) {
    const jail = ctx.deps.jail;
    if (isUnavailable(jail)) return { status: 'fail', detail: jail.unavailable };
    const caps = await jail.probe(ctx.jailFault?.length ? { fault: ctx.jailFault } : undefined);
    const layers = Object.entries(caps.layers) as [LayerName, { available: boolean; reason: string }][];
    const data = { platform: caps.platform, kernel: caps.kernel, helperBuilt: caps.helperBuilt, layers: caps.layers };
    const kernel = layers.filter(([n]) => KERNEL_LAYERS.includes(n));
    const up = kernel.filter(([, l]) => l.available).map(([n]) => n);
    const down = kernel.filter(([, l]) => !l.available);
    const missing = down.map(([n, l]) => `${n}: ${l.reason}`).join('; ');
    if (!caps.helperBuilt) return { status: 'fail', detail: `the jail helper is not built (${caps.helperPath ?? 'no path'}); no kernel layer can be applied${missing ? ` — ${missing}` : ''}`, data };
    if (!up.length) return { status: 'fail', detail: `no kernel layer available — ${missing}`, data };
    if (down.length) return { status: 'warn', detail: `available: ${up.join(' + ')}; missing — ${missing}`, data };
    return { status: 'pass', detail: `available: ${up.join(' + ')}`, data };
  },
};
