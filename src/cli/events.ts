// `hermetic events`: the security-event log, read straight from the database in the data dir
// (works whether or not a server runs). --follow tails new rows.
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/index.js';
import { EXIT, UsageError, type Command } from './command.js';
import type { SecurityEvent, SecurityEventType, Severity } from '../events/index.js';

const USAGE = `Usage: hermetic events [--type T] [--severity S] [--since ISO] [--limit N] [--follow] [--json]

Show recorded security events (blocked network attempts, terminations, verification results),
oldest first.

Options:
  --type T        only this type (repeatable or comma-separated), e.g. network_attempt,dns_blocked
  --severity S    info | warning | critical (repeatable or comma-separated)
  --since ISO     only events at or after this time, e.g. 2026-01-31T00:00:00Z
  --limit N       the last N matching events (default 50, max 1000)
  --follow, -f    keep printing new events as they are recorded (Ctrl+C to stop)
  --json          one JSON object per line
  --data-dir D    the data dir (default: as \`hermetic serve\`)

Aggregated rows show "×N" (identical attempts within a few seconds are stored once with a count).
Exit codes: 0 ok, 1 failure (e.g. unreadable database), 2 usage/config error.`;

const FOLLOW_POLL_MS = 500;

function list(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
}

export function formatEvent(e: SecurityEvent): string {
  const { count, lastSeen: _lastSeen, ...rest } = e.details;
  const times = typeof count === 'number' && count > 1 ? ` ×${count}` : '';
  return `${e.timestamp}  ${e.severity.padEnd(8)} ${e.type}${times}  ${JSON.stringify(rest)}`;
}

export const command: Command = {
  name: 'events',
  summary: 'show the security-event log (--follow to tail it)',
  usage: USAGE,
  async run(argv) {
    let values: { type?: string[]; severity?: string[]; since?: string; limit?: string; follow?: boolean; json?: boolean; 'data-dir'?: string };
    try {
      ({ values } = parseArgs({
        args: argv, strict: true, allowPositionals: false,
        options: {
          type: { type: 'string', multiple: true }, severity: { type: 'string', multiple: true }, since: { type: 'string' },
          limit: { type: 'string' }, follow: { type: 'boolean', short: 'f' }, json: { type: 'boolean' }, 'data-dir': { type: 'string' },
        },
      }));
    } catch (e) {
      throw new UsageError(`${(e as Error).message}\n\n${USAGE}`);
    }
    const { openEventStore, SECURITY_EVENT_TYPES, SEVERITIES } = await import('../events/index.js');
    const types = list(values.type);
    for (const t of types) if (!(SECURITY_EVENT_TYPES as readonly string[]).includes(t)) throw new UsageError(`--type: unknown event type '${t}'; allowed: ${SECURITY_EVENT_TYPES.join(' | ')}`);
    const severities = list(values.severity);
    for (const s of severities) if (!(SEVERITIES as readonly string[]).includes(s)) throw new UsageError(`--severity: unknown '${s}'; allowed: ${SEVERITIES.join(' | ')}`);
    if (values.since !== undefined && Number.isNaN(Date.parse(values.since))) throw new UsageError(`--since: '${values.since}' is not a date/time (use ISO 8601, e.g. 2026-01-31T00:00:00Z)`);
    const limit = values.limit === undefined ? 50 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit: an integer from 1 to 1000');

    const config = loadConfig({ flags: { dataDir: values['data-dir'] } });
    const store = openEventStore({ dataDir: config.dataDir });
    const filter = {
      ...(types.length ? { type: types as SecurityEventType[] } : {}),
      ...(severities.length ? { severity: severities as Severity[] } : {}),
      ...(values.since !== undefined ? { since: values.since } : {}),
    };
    const print = (e: SecurityEvent) => console.log(values.json ? JSON.stringify(e) : formatEvent(e));
    try {
      const page = store.query({ ...filter, limit, order: 'desc' });
      const shown = page.events.reverse();
      shown.forEach(print);
      if (!values.follow) {
        if (!values.json && !shown.length) console.error('(no matching events)');
        return EXIT.OK;
      }
      let lastId = Math.max(0, ...shown.map((e) => e.id), store.query({ limit: 1 }).events[0]?.id ?? 0);
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          for (;;) {
            const next = store.query({ ...filter, afterId: lastId, order: 'asc', limit: 1000 });
            next.events.forEach(print);
            if (next.events.length) lastId = next.events[next.events.length - 1]?.id ?? lastId;
            if (next.events.length < 1000) break;
          }
        }, FOLLOW_POLL_MS);
        const stop = () => { clearInterval(timer); resolve(); };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      return EXIT.OK;
    } finally {
      store.close();
    }
  },
};
