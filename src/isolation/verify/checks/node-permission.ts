// node.permission: does the Node that runs jailed children offer a permission model that can
// deny the network? `--allow-net` arrived in Node 25; before it, `--permission` cannot say "no
// network". Measured by the jail's probe (which runs the binary under --permission and tries a
// listen); without the jail module, from the flags this binary accepts — never from a version.
import type { Check } from '../check.js';
import { isUnavailable } from '../deps.js';

export const nodePermission: Check = {
  id: 'node.permission',
  title: 'Node permission model',
  async run(ctx) {
    const jail = ctx.deps.jail;
    if (!isUnavailable(jail)) {
      const caps = await jail.probe(ctx.jailFault?.length ? { fault: ctx.jailFault } : undefined);
      const l = caps.layers['node-permission'];
      const data = { node: process.version, measuredBy: 'jail probe', available: l.available };
      return l.available ? { status: 'pass', detail: l.reason, data } : { status: 'warn', detail: `${l.reason}; the kernel layers do that job here`, data };
    }
    const flags = process.allowedNodeEnvironmentFlags;
    const permission = flags.has('--permission') || flags.has('--experimental-permission');
    const allowNet = flags.has('--allow-net');
    const data = { node: process.version, measuredBy: 'flags', permission, allowNet };
    if (!permission) return { status: 'skip', detail: `Node ${process.version} has no permission model`, data };
    if (!allowNet) {
      return { status: 'warn', detail: `Node ${process.version} has --permission but no --allow-net (Node >= 25): the permission model cannot deny the network here; the kernel layers do`, data };
    }
    return { status: 'pass', detail: `Node ${process.version} offers --permission without --allow-net for jailed Node children`, data };
  },
};
