// The isolation summary when no verification has run (the verify module not wired, or not yet
// finished): honest "unverified", with the counts the store and the monitor really have.
import type { AppContext, IsolationSummary } from './context.js';
import type { SecurityEvent } from '../events/index.js';

function describe(ev: SecurityEvent): string {
  const d = ev.details;
  const where = d.host !== undefined ? `${String(d.host)}${d.port !== undefined ? `:${String(d.port)}` : ''}` : d.target !== undefined ? String(d.target) : '';
  const who = d.package !== undefined ? String(d.package) : d.culprit !== undefined ? String(d.culprit) : '';
  return [ev.type, who && `by ${who}`, where && `→ ${where}`].filter(Boolean).join(' ');
}

export function lastAttemptOf(ctx: Pick<AppContext, 'store'>): IsolationSummary['lastAttempt'] {
  const ev = ctx.store.lastBlockedAttempt();
  return ev ? { ts: ev.timestamp, type: ev.type, summary: describe(ev) } : null;
}

export function unverifiedSummary(ctx: Pick<AppContext, 'config' | 'store' | 'monitor'>): IsolationSummary {
  const m = ctx.monitor?.state();
  return {
    level: 'unverified',
    verified: false,
    verifiedAt: null,
    strictness: ctx.config.strictness,
    layers: [],
    blockedAttempts: ctx.store.blockedAttempts(),
    lastAttempt: lastAttemptOf(ctx),
    monitor: { active: m?.active ?? false, since: m?.since ?? null },
    reason: 'no isolation verification has run in this server',
  };
}

export async function isolationSummary(ctx: AppContext): Promise<IsolationSummary> {
  return ctx.isolation ? await ctx.isolation.summary() : unverifiedSummary(ctx);
}
