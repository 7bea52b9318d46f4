// What the system-converter integration tests share: the tools detected on this machine (each
// test skips, saying why, when its tool or the kernel jail is missing — CI installs them all,
// where a skip fails the run), a jailed ConvertService in strict mode with the runtime monitor
// recording every event, a loopback canary, and LibreOffice run BARE through the driver for the
// positive controls and the legacy-format fixtures.
import assert from 'node:assert/strict';
import { spawn as cpSpawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn as jailSpawn, probe } from '../../src/isolation/jail/index.js';
import { createMonitor } from '../../src/isolation/monitor/index.js';
import type { NewSecurityEvent } from '../../src/events/index.js';
import { ConvertService, type ConvertServiceOptions, type JobView } from '../../src/convert/index.js';
import type { Family } from '../../src/convert/families.js';
import { detectSystemTools, officeHelperPath, type SystemToolId, type SystemToolsReport } from '../../src/convert/system-tools.js';
import { startCanary, type Canary } from './canary.js';
import { testNode } from './paths.js';
import { validators } from './validate.js';

const caps = probe();
const kernelLayer = caps.helperBuilt && (caps.layers.namespace.available || caps.layers.seccomp.available);
export const noJail: string | false = kernelLayer ? false : `no kernel jail layer here (${caps.layers.namespace.reason}; ${caps.layers.seccomp.reason})`;
export const tools: SystemToolsReport = await detectSystemTools({ spawn: jailSpawn });
export const tool = (id: SystemToolId): SystemToolsReport['tools'][number] => tools.tools.find((t) => t.id === id)!;
/** Skip reason when `id` is not installed (false when it is). */
export const missing = (id: SystemToolId): string | false => (tool(id).available ? false : `${tool(id).name} is not available here: ${tool(id).reason}`);
/** Skip reason for a test that needs `id` under the kernel jail. */
export const jailed = (id: SystemToolId): string | false => noJail || missing(id);

export interface Harness extends ReturnType<typeof validators> {
  work: string;
  dataDir: string;
  canary: Canary;
  svc: ConvertService;
  events: NewSecurityEvent[];
  config(over?: Partial<ConvertServiceOptions['config']>): ConvertServiceOptions['config'];
  /** Submit, expect success, return the job and the result bytes (the result is then discarded). */
  convert(data: Buffer, name: string, to: string, extra?: { converter?: string; options?: Record<string, unknown> }): Promise<{ job: JobView; out: Buffer }>;
  /** Security events recorded for one job. */
  jobEvents(id: string): NewSecurityEvent[];
  /** host:port of the canary, and a URL on it. */
  at(): string;
  url(): string;
  close(): Promise<void>;
}

export async function openHarness(name: string, prewarm: readonly Family[]): Promise<Harness> {
  const work = mkdtempSync(join(tmpdir(), `hermetic-${name}-`));
  const dataDir = mkdtempSync(join(tmpdir(), `hermetic-${name}-data-`));
  const canary = await startCanary();
  const events: NewSecurityEvent[] = [];
  const monitor = createMonitor({ config: { strictness: 'strict', monitorIntervalMs: 60_000, violationThreshold: 3, killGraceMs: 500 }, store: { record: (e) => { events.push(e); } } });
  monitor.start();
  const config = (over: Partial<ConvertServiceOptions['config']> = {}): ConvertServiceOptions['config'] => ({
    dataDir, strictness: 'strict', jobTimeoutMs: 120_000, workerMemoryMb: 512, poolSize: 2, logFileNames: false, killGraceMs: 500, resultTtlMs: 60_000, ...over,
  });
  // Strict: any attempt would kill the job at once — a hostile document must convert anyway,
  // because nothing in the jailed program even tries.
  const svc = new ConvertService({ config: config(), spawn: jailSpawn, monitor, nodePath: testNode, prewarm: noJail ? [] : prewarm, readyTimeoutMs: 60_000 });
  svc.start();
  return {
    ...validators(work), work, dataDir, canary, svc, events, config,
    async convert(data, fileName, to, extra = {}) {
      const job = await svc.convert({ data, name: fileName, to, ...extra });
      assert.equal(job.status, 'succeeded', `${fileName} → ${to}: ${JSON.stringify(job.error)}`);
      const out = readFileSync(svc.result(job.id).path);
      svc.discardResult(job.id);
      return { job, out };
    },
    jobEvents: (id) => events.filter((e) => e.details['jobId'] === id && e.type !== 'monitor_started'),
    at: () => `${canary.host}:${canary.tcpPort}`,
    url: () => `http://${canary.host}:${canary.tcpPort}/`,
    async close() {
      await svc.close();
      monitor.stop();
      await canary.close();
      rmSync(work, { recursive: true, force: true });
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * LibreOffice through the driver, OUTSIDE the jail, with a default profile (positive controls;
 * legacy doc/xls/ppt fixtures). Spreadsheets take the driver's command-line mode, as in
 * production. `until` ends it early (a positive control only needs the connection it waits for).
 */
export function bareOffice(work: string, input: Buffer, ext: string, format: string, until?: () => boolean): Promise<{ line: string; out: Buffer | null }> {
  const lo = tool('libreoffice');
  const dir = mkdtempSync(join(work, 'bare-'));
  const profile = join(dir, 'profile');
  const inFile = join(dir, `in.${ext}`);
  writeFileSync(inFile, input);
  const desktop = ['xlsx', 'xls', 'ods'].includes(ext);
  const outFile = desktop ? join(dir, 'out', `in.${format}`) : join(dir, `out.${format}`);
  if (desktop) mkdirSync(join(dir, 'out'));
  const args = desktop ? ['desktop', String(lo.detail.programDir), profile, inFile, join(dir, 'out'), format] : ['lok', String(lo.detail.programDir), profile];
  const p = cpSpawn(officeHelperPath, args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, TMPDIR: dir, SAL_USE_VCLPLUGIN: 'svp' }, stdio: ['pipe', 'pipe', 'ignore'] });
  let text = '';
  p.stdout.on('data', (b: Buffer) => { text += b.toString(); });
  p.stdin.on('error', () => {}); // the command-line mode does not read it
  p.stdin.end(desktop ? '' : `${inFile}\t${outFile}\t${format}\n`);
  // A canary that never answers keeps LibreOffice waiting on its fetch: bounded.
  const deadline = Date.now() + 90_000;
  const poll = setInterval(() => { if ((until?.() ?? false) || Date.now() > deadline) p.kill('SIGKILL'); }, 100);
  return new Promise((resolve) => p.on('close', () => {
    clearInterval(poll);
    const line = text.trim().split('\n').pop() ?? '';
    let out: Buffer | null = null;
    try { out = readFileSync(outFile); } catch { out = null; }
    resolve({ line, out });
  }));
}
