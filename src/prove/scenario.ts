// The scenario, run inside the trap, in order: build the trap; positive control; the real
// server; one conversion of every family; the attacker converter; the same attempts under
// `hermetic run`; positive control again; stop the capture; read the evidence; decide.
// Each step says what it does on stderr (stdout is the outer command's).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { attackThroughRun, attackThroughServer } from './attacks.js';
import { fromFixture, fromRunEvents, fromServerEvents, type SecurityEventRow } from './attempts.js';
import { positiveControl, type ControlFlow, type ControlProbe } from './control.js';
import { convertEveryFamily, type Catalog } from './conversions.js';
import { asUserPrefix } from './identity.js';
import { sampleInputs } from './inputs.js';
import { parsePcap } from './pcap.js';
import type { RecorderStats } from './recorder.js';
import { startServer, type ServerSession } from './server-session.js';
import { requireTools } from './tools.js';
import { testKnobs } from './test-knobs.js';
import { buildTrap, type Trap } from './trap.js';
import type { AttemptReport, ConversionReport, FixtureOutcome, Frame, ProveReport, TrapPlan } from './types.js';
import { classify, controlReport, decide, leaksOf } from './verdict.js';
import { envFaults } from '../isolation/jail/index.js';

const say = (s: string): void => { process.stderr.write(`hermetic prove: ${s}\n`); };

export async function runScenario(plan: TrapPlan): Promise<ProveReport> {
  const t0 = Date.now();
  const startedAt = new Date(t0).toISOString();
  const knobs = testKnobs();
  const warnings: string[] = [...knobs.warnings];
  const faults = envFaults();
  if (faults.length) warnings.push(`HERMETIC_JAIL_FAULT=${faults.join(',')}: these layers are switched off ON PURPOSE (fault injection, for testing the proof itself)`);
  const tools = requireTools();
  const asUser = asUserPrefix(plan, tools);
  let trap: Trap | null = null;
  let server: ServerSession | null = null;
  const probes: ControlProbe[] = [];
  let conversions: ConversionReport[] = [];
  let fixture: FixtureOutcome[] = [];
  let attempts: AttemptReport[] = [];
  let stats: RecorderStats | null = null;
  let failure: string | null = null;
  // Where the time goes, step by step (ms), for the report.
  const timings: Record<string, number> = {};
  let mark = Date.now();
  const lap = (step: string): void => { const now = Date.now(); timings[step] = now - mark; mark = now; };
  try {
    say('building the trap (a network namespace whose only way out is a recorded veth to a fake internet)');
    trap = await buildTrap(tools, { workDir: plan.workDir, node: plan.node, catchAll: knobs.catchAll, blindRecorder: knobs.blindRecorder });
    say(`trap ready: ${trap.catchAll}; ${trap.resolver}`);
    lap('trap');
    probes.push(...await positiveControl(trap, 'before'));
    lap('controlBefore');
    say(`positive control (before): ${probes.map((p) => `${p.what}: ${p.seenByWorld ? 'seen' : 'NOT seen'}`).join('; ')}`);

    say(`starting the server (strictness ${plan.strictness}) inside the trap`);
    server = await startServer(plan, asUser, join(plan.workDir, 'server.log'));
    const catalog = await server.json<Catalog>('/api/converters');
    lap('serverStart');
    say(`converters: ${catalog.converters.map((c) => c.id).join(', ')}`);
    conversions = await convertEveryFamily(server, catalog, sampleInputs(), (r) => {
      say(r.ok ? `converted ${r.converter}: ${r.from} → ${r.to} in ${r.ms} ms` : `conversion ${r.converter} ${r.from} → ${r.to} FAILED: ${r.error?.code ?? ''} ${r.error?.message ?? r.skipped ?? ''}`);
    });
    lap('conversions');
    say('the attacker converter: fetch, raw TCP, UDP, DNS and a child curl, one job each');
    const viaServer = await attackThroughServer(server);
    fixture = [...viaServer.outcomes];
    const events = await server.json<{ events: SecurityEventRow[] }>('/api/security/events?limit=1000&order=asc');
    attempts = fromServerEvents(events.events, viaServer.windows);
    await server.stop();
    server = null;
    lap('attackerConverter');

    say('the same attempts under `hermetic run`');
    const viaRun = await attackThroughRun(plan, asUser);
    if (viaRun.exitCode !== 0) warnings.push(`hermetic run exited with ${viaRun.exitCode}: ${viaRun.stderr.trim().split('\n').filter((l) => !/SecurityWarning|trace-warnings/.test(l)).slice(-3).join(' / ')}`);
    fixture.push(...viaRun.outcomes);
    attempts.push(...fromRunEvents(viaRun.events, viaRun.windows));
    attempts.push(...fromFixture(fixture, attempts));
    lap('hermeticRun');

    probes.push(...await positiveControl(trap, 'after'));
    lap('controlAfter');
  } catch (e) {
    failure = (e as Error).message;
    say(`FAILED: ${failure}`);
  } finally {
    if (server) await server.stop().catch(() => null);
    if (trap) {
      try { stats = await trap.stop(); } catch (e) { warnings.push(`stopping the recorder: ${(e as Error).message}`); trap.destroy(); }
    }
    lap('stopCapture');
  }

  let frames: Frame[] = [];
  try { frames = trap ? parsePcap(readFileSync(join(plan.workDir, 'trap.pcap'))) : []; } catch (e) { warnings.push(`reading the capture: ${(e as Error).message}`); }
  const flows = probes.map((p) => p.flow).filter((f): f is ControlFlow => f !== null);
  const c = classify(frames, flows);
  const leaks = leaksOf(c.leakFrames, trap?.events ?? [], flows, fixture);
  const control = controlReport(probes, frames);
  let { verdict, reason } = decide(leaks, control, stats, frames.length);
  if (failure && verdict !== 'leaked') { verdict = 'void'; reason = `the proof could not run to the end: ${failure}`; }
  for (const s of conversions.filter((x) => x.skipped && !x.skipped.startsWith('not available'))) warnings.push(`${s.converter}: not exercised, ${s.skipped}`);
  const report: ProveReport = {
    verdict,
    packetsLeft: c.leakFrames.length,
    attempts,
    conversions,
    reason,
    leaks,
    control,
    fixture,
    trap: trap ? {
      mode: plan.mode,
      recorder: trap.recorder,
      catchAll: trap.catchAll,
      resolver: trap.resolver,
      frames: { total: frames.length, inbound: c.inbound, housekeeping: c.housekeeping, control: c.control, kernelDrops: stats?.kernelDrops ?? 0 },
    } : null,
    strictness: plan.strictness,
    faults,
    warnings,
    startedAt,
    durationMs: Date.now() - t0,
    timings,
  };
  writeFileSync(plan.resultFile, JSON.stringify(report, null, 2));
  return report;
}
