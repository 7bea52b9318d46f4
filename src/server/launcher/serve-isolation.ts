// Verification wired into `hermetic serve`: the service is created in startServer()'s setup
// (so routes see ctx.isolation), runs once the socket is bound (server.bind needs it), then
// periodically. In paranoid mode an unsatisfied verdict refuses start-up (exit 3).
import type { Config } from '../../config/index.js';
import { IsolationService, convertDecision, isSelfTestAttempt, statusLine } from '../../isolation/verify/index.js';
import type { AppContext } from '../context.js';
import { lastAttemptOf } from '../isolation-default.js';
import { readLauncherReports } from './reports.js';
import { toSecurityEvent } from '../../isolation/monitor/index.js';

export interface ServeIsolation {
  service: IsolationService | null;
  /** Pass as StartOptions.setup. */
  setup(ctx: AppContext): () => void;
  /** For the convert service (ConvertServiceOptions.canConvert): strict/paranoid need kernel-enforced. */
  canConvert(): ReturnType<IsolationService['canConvert']>;
  /** After listening: verify ('startup'); returns an exit code to stop with, or null to serve on. */
  afterListen(ctx: AppContext): Promise<{ exitCode: number; message: string } | null>;
}

export function serveIsolation(config: Config): ServeIsolation {
  const state: { service: IsolationService | null; stopReports: (() => void) | null } = { service: null, stopReports: null };
  return {
    get service() { return state.service; },
    canConvert() {
      if (state.service) return state.service.canConvert();
      return convertDecision(null, config.strictness);
    },
    setup(ctx) {
      const service = new IsolationService({
        config,
        role: 'server',
        events: ctx.store,
        monitor: () => ctx.monitor?.state() ?? null,
        // The events store is the one count everybody sees (status, UI, API).
        attempts: () => ({ blockedAttempts: ctx.store.blockedAttempts(), lastAttempt: lastAttemptOf(ctx) }),
        serverAddresses: () => (ctx.bind ? [{ address: ctx.bind.host, port: ctx.bind.port }] : []),
      });
      state.service = service;
      ctx.isolation = service;
      // Paranoid: the kernel's refusals inside this server's jail, forwarded by the launcher.
      state.stopReports = readLauncherReports((a) => {
        if (isSelfTestAttempt({ pid: a.pid })) return;
        // The monitor's mapping (type per escape, DNS names, who made it), at critical: in
        // paranoid mode any attempt from the server's own jail matters.
        const ev = toSecurityEvent({ detector: 'seccomp', pid: a.pid, jail: a, summary: a.program ? { program: a.program } : {} }, { violations: 0, terminated: false });
        ctx.store.record({ ...ev, severity: 'critical', details: { ...ev.details, role: 'server', type: a.type, address: a.address } });
      });
      return () => { service.stop(); state.stopReports?.(); };
    },
    async afterListen(ctx) {
      const service = state.service;
      if (!service) return null;
      const report = await service.verify('startup');
      service.startPeriodic();
      ctx.logger.info({ isolationLevel: report.verdict.level, satisfied: report.verdict.satisfied, ms: report.durationMs }, statusLine(service.summary()));
      if (config.strictness === 'paranoid' && !report.verdict.satisfied) {
        return { exitCode: 3, message: `paranoid mode refused: ${report.verdict.reasons.join('; ')}` };
      }
      return null;
    },
  };
}
