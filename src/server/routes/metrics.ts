// GET /api/metrics — Prometheus text format (prom-client). Token required like every /api route
// (Prometheus: `authorization: { credentials_file: <dataDir>/token }`). Values are read from the
// live services at scrape time, so nothing is counted twice; the monitor's cycle durations are
// observed as they happen. Other modules may add their own metrics to `metricsRegistry(ctx)`,
// or expose a `stats()` the collectors below read (duck-typed, each optional):
//   ctx.jobs.stats()      → { pool?: { size?, ready?, starting? }, queued?, running?, outcomes?: Record<string, number> }
//                           (the ConvertService's stats() has this shape)
//   ctx.isolation.stats() → { lastVerificationMs?: number | null, verifications?: number }
import type { EventEmitter } from 'node:events';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AppContext } from '../context.js';
import type { CycleNotice, MonitorStats } from '../../isolation/monitor/index.js';
import type { RoutePlugin } from './types.js';

interface FullMonitor { stats?(): MonitorStats; events?: EventEmitter }
interface JobsStats { pool?: { size?: number; ready?: number; starting?: number }; queued?: number; running?: number; outcomes?: Record<string, number> }
interface IsolationStats { lastVerificationMs?: number | null; verifications?: number }

function statsOf<T>(service: unknown): T | null {
  const s = service as { stats?: () => T } | undefined;
  if (!s || typeof s.stats !== 'function') return null;
  try {
    return s.stats();
  } catch {
    return null;
  }
}

/** The server's metrics registry (created on first use; others may register into it in setup). */
export function metricsRegistry(ctx: AppContext): Registry {
  ctx.metrics ??= new Registry();
  return ctx.metrics;
}

/** Create a metric once per registry (buildApp may run more than once with one context in tests). */
function once<T>(registry: Registry, name: string, make: () => T): T | null {
  return registry.getSingleMetric(name) ? null : make();
}

/** Counters whose value lives elsewhere: reset and set to the current total at each scrape. */
function setCounter(c: Counter<string>, value: number, labels?: Record<string, string>): void {
  if (labels) c.inc(labels, Math.max(0, value));
  else c.inc(Math.max(0, value));
}

export function registerMetrics(registry: Registry, ctx: AppContext): () => void {
  if (!registry.getSingleMetric('hermetic_process_cpu_seconds_total')) collectDefaultMetrics({ register: registry, prefix: 'hermetic_' });
  const monitor = (): FullMonitor | undefined => ctx.monitor as FullMonitor | undefined;

  once(registry, 'hermetic_monitor_active', () => new Gauge({
    name: 'hermetic_monitor_active', help: '1 while the runtime monitor runs', registers: [registry],
    collect() { this.set(ctx.monitor?.state().active ? 1 : 0); },
  }));
  once(registry, 'hermetic_monitor_source_active', () => new Gauge({
    name: 'hermetic_monitor_source_active', help: '1 for each monitor source that is watching', labelNames: ['source'], registers: [registry],
    collect() {
      this.reset();
      for (const [source, s] of Object.entries(ctx.monitor?.state().sources ?? {})) this.set({ source }, s.active ? 1 : 0);
    },
  }));
  once(registry, 'hermetic_monitor_cycles_total', () => new Counter({
    name: 'hermetic_monitor_cycles_total', help: '/proc cross-check cycles run', registers: [registry],
    collect() { this.reset(); setCounter(this, monitor()?.stats?.().cycles ?? 0); },
  }));
  once(registry, 'hermetic_monitor_attempts_total', () => new Counter({
    name: 'hermetic_monitor_attempts_total', help: 'attempts the monitor recorded, by event type and detector', labelNames: ['type', 'detector'], registers: [registry],
    collect() {
      this.reset();
      for (const [k, n] of Object.entries(monitor()?.stats?.().attempts ?? {})) {
        const [type = 'unknown', detector = 'unknown'] = k.split('|');
        setCounter(this, n, { type, detector });
      }
    },
  }));
  once(registry, 'hermetic_monitor_terminations_total', () => new Counter({
    name: 'hermetic_monitor_terminations_total', help: 'processes terminated by the monitor policy', registers: [registry],
    collect() { this.reset(); setCounter(this, ctx.monitor?.state().terminations ?? 0); },
  }));
  once(registry, 'hermetic_monitor_watched_processes', () => new Gauge({
    name: 'hermetic_monitor_watched_processes', help: 'processes registered with the monitor', registers: [registry],
    collect() { this.set(monitor()?.stats?.().watched ?? 0); },
  }));
  once(registry, 'hermetic_security_events_total', () => new Counter({
    name: 'hermetic_security_events_total', help: 'security events recorded, by type (aggregated rows count each occurrence)', labelNames: ['type'], registers: [registry],
    collect() {
      this.reset();
      for (const [type, n] of Object.entries(ctx.store.counts())) setCounter(this, n ?? 0, { type });
    },
  }));
  once(registry, 'hermetic_security_events_dropped_total', () => new Counter({
    name: 'hermetic_security_events_dropped_total', help: 'security events dropped by the flood cap since start', registers: [registry],
    collect() { this.reset(); setCounter(this, ctx.store.dropped); },
  }));
  once(registry, 'hermetic_pool_workers', () => new Gauge({
    name: 'hermetic_pool_workers', help: 'worker pool: configured size, warm (ready) and starting workers; absent without a job service', labelNames: ['state'], registers: [registry],
    collect() {
      this.reset();
      const p = statsOf<JobsStats>(ctx.jobs)?.pool;
      for (const state of ['size', 'ready', 'starting'] as const) {
        const v = p?.[state];
        if (typeof v === 'number') this.set({ state }, v);
      }
    },
  }));
  once(registry, 'hermetic_jobs_in_flight', () => new Gauge({
    name: 'hermetic_jobs_in_flight', help: 'conversion jobs queued and running', labelNames: ['state'], registers: [registry],
    collect() {
      this.reset();
      const s = statsOf<JobsStats>(ctx.jobs);
      if (typeof s?.queued === 'number') this.set({ state: 'queued' }, s.queued);
      if (typeof s?.running === 'number') this.set({ state: 'running' }, s.running);
    },
  }));
  once(registry, 'hermetic_jobs_total', () => new Counter({
    name: 'hermetic_jobs_total', help: 'finished conversion jobs by outcome', labelNames: ['outcome'], registers: [registry],
    collect() {
      this.reset();
      for (const [outcome, n] of Object.entries(statsOf<JobsStats>(ctx.jobs)?.outcomes ?? {})) setCounter(this, n, { outcome });
    },
  }));
  once(registry, 'hermetic_verification_duration_seconds', () => new Gauge({
    // Labelled so that it can be absent (an unlabelled gauge always prints a value, 0 by default).
    name: 'hermetic_verification_duration_seconds', help: 'duration of the latest isolation verification (absent until one ran)', labelNames: ['run'], registers: [registry],
    collect() {
      this.reset();
      const ms = statsOf<IsolationStats>(ctx.isolation)?.lastVerificationMs;
      if (typeof ms === 'number') this.set({ run: 'latest' }, ms / 1000);
    },
  }));
  once(registry, 'hermetic_verifications_total', () => new Counter({
    name: 'hermetic_verifications_total', help: 'isolation verifications run since start', registers: [registry],
    collect() {
      this.reset();
      const n = statsOf<IsolationStats>(ctx.isolation)?.verifications;
      if (typeof n === 'number') setCounter(this, n);
    },
  }));
  const cycleHistogram = once(registry, 'hermetic_monitor_cycle_duration_seconds', () => new Histogram({
    name: 'hermetic_monitor_cycle_duration_seconds', help: 'duration of one /proc cross-check cycle', registers: [registry],
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
  })) ?? (registry.getSingleMetric('hermetic_monitor_cycle_duration_seconds') as Histogram<string> | undefined);

  const events = monitor()?.events;
  if (!events || !cycleHistogram) return () => {};
  const onCycle = (c: CycleNotice): void => { cycleHistogram.observe(c.durationMs / 1000); };
  events.on('cycle', onCycle);
  return () => { events.off('cycle', onCycle); };
}

export const metricsRoutes: RoutePlugin = async (app, ctx) => {
  const registry = metricsRegistry(ctx);
  const detach = registerMetrics(registry, ctx);
  app.addHook('onClose', async () => { detach(); });

  app.get('/api/metrics', async (_request, reply) => {
    const text = await registry.metrics();
    return reply.header('content-type', registry.contentType).send(text);
  });
};
