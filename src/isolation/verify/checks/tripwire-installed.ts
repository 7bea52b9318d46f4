// tripwire.installed: the in-process guard is installed here, with every hook in place.
import type { Check } from '../check.js';
import { isUnavailable } from '../deps.js';

export const tripwireInstalled: Check = {
  id: 'tripwire.installed',
  title: 'Tripwire installed',
  async run(ctx) {
    const tw = ctx.deps.tripwire;
    if (isUnavailable(tw)) return { status: 'fail', detail: tw.unavailable };
    const st = tw.status() as ReturnType<typeof tw.status> & { notes?: Record<string, string> };
    const notes = st.notes ?? {};
    // A global this Node does not have (WebSocket on Node 20) needs no guard: not a gap.
    const absent = (name: string) => /not present|nothing to guard/.test(notes[name] ?? '');
    const hooks = Object.entries(st.hooks);
    const missing = hooks.filter(([name, on]) => !on && !absent(name)).map(([name]) => `${name}${notes[name] ? ` (${notes[name]})` : ''}`);
    const notApplicable = hooks.filter(([name, on]) => !on && absent(name)).map(([name]) => name);
    const data = { installed: st.installed, hooks: st.hooks, witnesses: st.witnesses, attempts: st.attempts, notApplicable };
    if (!st.installed) return { status: 'fail', detail: 'the tripwire is not installed in this process', data };
    if (!hooks.length) return { status: 'fail', detail: 'the tripwire reports no hooks at all', data };
    if (missing.length) return { status: 'warn', detail: `installed, but ${missing.length} of ${hooks.length} hooks are not in place: ${missing.join(', ')}`, data };
    const na = notApplicable.length ? ` (${notApplicable.join(', ')}: not present on this Node, nothing to guard)` : '';
    return { status: 'pass', detail: `installed with all ${hooks.length - notApplicable.length} hooks in place${na}`, data };
  },
};
