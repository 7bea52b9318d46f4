// host.network (informational): is this machine online? Read from /proc/net (which reflects
// our own network namespace; /sys/class/net does not) and resolv.conf. It never changes the
// verdict — it explains it ("offline anyway" vs "online, and the layers are what stops us").
// Nothing is sent and no name is looked up: a connectivity probe would itself be the phone-home.
import { join } from 'node:path';
import type { Check } from '../check.js';
import { parseIPv4Routes, parseIPv6Routes, parseInterfaces, parseNameservers, readText } from '../proc.js';

export const hostNetwork: Check = {
  id: 'host.network',
  title: 'Host network (informational)',
  informational: true,
  async run(ctx) {
    const dev = readText(join(ctx.procRoot, 'net', 'dev'));
    if (dev === null) return { status: 'skip', detail: `${join(ctx.procRoot, 'net', 'dev')} is not readable (not Linux?)` };
    const interfaces = parseInterfaces(dev).filter((n) => n !== 'lo');
    const v4 = parseIPv4Routes(readText(join(ctx.procRoot, 'net', 'route')) ?? '');
    const v6 = parseIPv6Routes(readText(join(ctx.procRoot, 'net', 'ipv6_route')) ?? '');
    const defaults = [...v4, ...v6].filter((r) => r.isDefault).map((r) => `${r.destination.includes(':') ? 'IPv6' : 'IPv4'} via ${r.iface}`);
    const nameservers = parseNameservers(readText(join(ctx.etcRoot, 'resolv.conf')) ?? '');
    const online = defaults.length > 0;
    const detail = online
      ? `the machine is online (default route: ${[...new Set(defaults)].join(', ')}); the isolation layers are what keeps Hermetic off it`
      : `the machine looks offline from here (no default route${interfaces.length ? `; interfaces ${interfaces.join(', ')}` : '; only lo'})`;
    return { status: 'pass', detail, data: { online, interfaces, defaultRoutes: defaults, nameservers: nameservers.length } };
  },
};
