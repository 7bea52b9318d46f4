// GET /api/metrics reads the services that expose stats() (job service, verification) and the
// monitor, in Prometheus text; without those services their metrics are absent, not zero.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { startServer, unverifiedSummary, type RunningServer } from '../../src/server/index.js';
import { createMonitor } from '../../src/isolation/monitor/index.js';

function scrape(s: RunningServer): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(`${s.url}api/metrics`, { headers: { authorization: `Bearer ${s.ctx.token}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`status ${res.statusCode}: ${body}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

test('metrics from the job service, the verifier and the monitor', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hermetic-metrics-'));
  const config = loadConfig({ env: {}, flags: { dataDir, port: 0, logLevel: 'silent', monitorIntervalMs: 60_000 } });
  const s = await startServer(config, {
    runtimeFile: false,
    setup: (ctx) => {
      const monitor = createMonitor({ config, store: ctx.store });
      monitor.start();
      ctx.monitor = monitor;
      ctx.jobs = { stats: () => ({ pool: { size: 2, ready: 1, starting: 1 }, queued: 4, running: 1, outcomes: { succeeded: 3, failed: 1 } }) };
      ctx.isolation = {
        summary: () => unverifiedSummary(ctx),
        report: () => null,
        verify: async () => null,
        stats: () => ({ lastVerificationMs: 1500, verifications: 2 }),
      } as typeof ctx.isolation;
      return () => monitor.stop();
    },
  });
  try {
    const m = s.ctx.monitor as ReturnType<typeof createMonitor>;
    m.observe({ detector: 'seccomp', pid: 2 ** 22 + 9, jail: { pid: 2 ** 22 + 9, syscall: 'socket', family: 'AF_INET', ts: new Date().toISOString() } });
    m.scanNow();
    const text = await scrape(s);
    assert.match(text, /^hermetic_pool_workers\{state="size"\} 2$/m);
    assert.match(text, /^hermetic_pool_workers\{state="ready"\} 1$/m);
    assert.match(text, /^hermetic_jobs_in_flight\{state="queued"\} 4$/m);
    assert.match(text, /^hermetic_jobs_total\{outcome="succeeded"\} 3$/m);
    assert.match(text, /^hermetic_jobs_total\{outcome="failed"\} 1$/m);
    assert.match(text, /^hermetic_verification_duration_seconds\{run="latest"\} 1\.5$/m);
    assert.match(text, /^hermetic_verifications_total 2$/m);
    assert.match(text, /^hermetic_monitor_attempts_total\{type="network_attempt",detector="seccomp"\} 1$/m);
    assert.match(text, /^hermetic_monitor_cycles_total 1$/m);
    assert.match(text, /^hermetic_monitor_cycle_duration_seconds_count 1$/m);
    assert.match(text, /^hermetic_security_events_total\{type="monitor_started"\} 1$/m);
    assert.match(text, /^hermetic_process_cpu_seconds_total /m, 'process metrics too');
    // Scraping twice does not double counters read from elsewhere.
    const again = await scrape(s);
    assert.match(again, /^hermetic_jobs_total\{outcome="succeeded"\} 3$/m);
  } finally {
    await s.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('without a job service or verifier, their metrics are absent rather than zero', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hermetic-metrics-'));
  const config = loadConfig({ env: {}, flags: { dataDir, port: 0, logLevel: 'silent' } });
  const s = await startServer(config, { runtimeFile: false });
  try {
    const text = await scrape(s);
    assert.doesNotMatch(text, /^hermetic_pool_workers\{/m);
    assert.doesNotMatch(text, /^hermetic_verification_duration_seconds\{/m);
    assert.match(text, /^hermetic_monitor_active 0$/m, 'no monitor: it says so');
  } finally {
    await s.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
