// Conversions under the real kernel jail, with the tripwire in the worker and the runtime
// monitor watching: real converters (OCR with the local model) work offline; a converter that
// tries the network by fetch, raw TCP, DNS or a python3 child is stopped, recorded with the
// right detector, its worker terminated, the job failed with NETWORK_VIOLATION — the canary
// sees nothing, and the next job succeeds. Positive control: the same plugin, unjailed and
// without the tripwire, does reach the canary.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { spawn as jailSpawn, probe } from '../../src/isolation/jail/index.js';
import { createMonitor } from '../../src/isolation/monitor/index.js';
import type { NewSecurityEvent } from '../../src/events/index.js';
import { ConvertService, type ConvertServiceOptions } from '../../src/convert/index.js';
import { startCanary, type Canary } from '../helpers/canary.js';
import { fixturesDir, testNode } from '../helpers/paths.js';
import { unjailedSpawnForTests } from '../unit/convert-unjailed-spawn.js';
import { textPng, docx } from '../unit/convert-fixtures.js';

const caps = probe();
const kernelLayer = caps.helperBuilt && (caps.layers.namespace.available || caps.layers.seccomp.available);
const noJail = kernelLayer ? false : `no kernel jail layer here (${caps.layers.namespace.reason}; ${caps.layers.seccomp.reason})`;
const hasPython = spawnSync('python3', ['-c', 'print(1)']).status === 0;

let dataDir: string;
let canary: Canary;
before(async () => { dataDir = mkdtempSync(join(tmpdir(), 'hermetic-convert-jail-')); canary = await startCanary(); });
after(async () => {
  if (shared) { await shared.s.close(); shared.monitor.stop(); }
  await canary.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function config(over: Partial<ConvertServiceOptions['config']> = {}): ConvertServiceOptions['config'] {
  return { dataDir, strictness: 'strict', jobTimeoutMs: 30_000, workerMemoryMb: 512, poolSize: 1, logFileNames: false, killGraceMs: 500, resultTtlMs: 60_000, ...over };
}

test('jailed worker: OCR and DOCX conversions work with every network path closed', { skip: noJail }, async () => {
  const s = new ConvertService({ config: config(), spawn: jailSpawn, nodePath: testNode });
  s.start();
  try {
    const ocr = await s.convert({ data: await textPng('Nothing leaves'), to: 'txt' });
    assert.equal(ocr.status, 'succeeded', JSON.stringify(ocr.error));
    assert.equal(ocr.converter, 'ocr');
    assert.match(readFileSync(s.result(ocr.id).path, 'utf8'), /Nothing leaves/);
    assert.ok(ocr.layers.some((l) => l === 'namespace' || l === 'seccomp'), `a kernel layer was in force: ${ocr.layers.join(', ')}`);
    // Named .png: routed to a warm OCR-family worker (engine and model loaded before the job); confidence shown.
    const warm = await s.convert({ data: await textPng('Local model only'), name: 'scan.png', to: 'txt' });
    assert.equal(warm.status, 'succeeded', JSON.stringify(warm.error));
    assert.equal(warm.family, 'ocr');
    assert.match(readFileSync(s.result(warm.id).path, 'utf8'), /Local model only/);
    assert.ok(typeof warm.info?.['confidence'] === 'number' && warm.info['confidence'] > 50, `confidence ${JSON.stringify(warm.info)}`);
    const md = await s.convert({ data: await docx('Title', 'Body'), name: 'x.docx', to: 'md' });
    assert.equal(md.status, 'succeeded', JSON.stringify(md.error));
    assert.equal(canary.hits, 0);
  } finally { await s.close(); }
});

test('positive control: unjailed and without the tripwire, the phone-home plugin reaches the canary', async () => {
  const s = new ConvertService({ config: config({ strictness: 'standard', convertersDir: join(fixturesDir, 'convert', 'network') }), spawn: unjailedSpawnForTests, tripwire: false });
  s.start();
  const before = canary.tcpConnections;
  try {
    const v = await s.convert({ data: Buffer.from('x'), from: 'txt', to: 'txt', converter: 'test-phone-home', options: { method: 'tcp', host: canary.host, port: canary.tcpPort } });
    assert.equal(v.status, 'succeeded', JSON.stringify(v.error));
    assert.deepEqual(JSON.parse(readFileSync(s.result(v.id).path, 'utf8')), { ok: true, code: null, errno: null, message: null });
    assert.equal(canary.tcpConnections, before + 1);
  } finally { await s.close(); }
});

const methods: { method: string; eventTypes: string[]; detectors: string[]; skip?: string | false }[] = [
  { method: 'fetch', eventTypes: ['network_attempt'], detectors: ['tripwire'] },
  { method: 'tcp', eventTypes: ['network_attempt'], detectors: ['tripwire'] },
  { method: 'dns', eventTypes: ['dns_blocked', 'network_attempt'], detectors: ['tripwire'] },
  { method: 'python', eventTypes: ['network_attempt'], detectors: ['seccomp', 'netns-counters'], skip: hasPython ? false : 'python3 is not installed' },
];

// One monitor and one service for the four methods (a pool of one, replenished): each job gets
// a fresh worker anyway, and the suite does not pay a cold start per method.
let shared: { s: ConvertService; monitor: ReturnType<typeof createMonitor>; events: NewSecurityEvent[] } | null = null;
function sharedService(): NonNullable<typeof shared> {
  if (shared) return shared;
  const events: NewSecurityEvent[] = [];
  const monitor = createMonitor({ config: { strictness: 'strict', monitorIntervalMs: 60_000, violationThreshold: 3, killGraceMs: 500 }, store: { record: (e) => { events.push(e); } } });
  monitor.start();
  const s = new ConvertService({ config: config({ convertersDir: join(fixturesDir, 'convert', 'network') }), spawn: jailSpawn, monitor, nodePath: testNode });
  s.start();
  shared = { s, monitor, events };
  return shared;
}

for (const m of methods) {
  test(`jailed + monitored (strict): ${m.method} from a converter is stopped, recorded, the job fails with NETWORK_VIOLATION`, { skip: noJail || m.skip }, async () => {
    const { s, events: all } = sharedService();
    const from = all.length;
    const hits = canary.hits;
    const v = await s.convert({ data: Buffer.from('x'), from: 'txt', to: 'txt', converter: 'test-phone-home', options: { method: m.method, host: canary.host, port: canary.tcpPort, udpPort: canary.udpPort } });
    const events = all.slice(from);
    assert.equal(canary.hits, hits, 'the canary saw nothing');
    if (m.method === 'python' && v.layers.includes('node-permission')) {
      // Node >= 25: the permission model (no --allow-child-process) stops the spawn itself.
      assert.equal(v.error?.code, 'SANDBOX_DENIED', JSON.stringify(v.error));
      assert.equal(v.error?.permission, 'ChildProcess');
      return;
    }
    const attempts = events.filter((e) => m.eventTypes.includes(e.type));
    assert.ok(attempts.length >= 1, `an attempt was recorded; got ${JSON.stringify(events.map((e) => e.type))}`);
    const detectors = attempts.map((e) => String(e.details.detector));
    assert.ok(detectors.some((d) => m.detectors.includes(d)), `detector ${detectors.join(',')} ∈ ${m.detectors.join(',')}`);
    assert.equal(v.status, 'failed', `job outcome: ${JSON.stringify(v)}`);
    assert.equal(v.error?.code, 'NETWORK_VIOLATION');
    assert.ok(typeof v.error?.culprit === 'string' && v.error.culprit.length > 0, 'the error names the culprit');
    assert.ok(events.some((e) => e.type === 'process_terminated'), 'the termination is an event');
    const next = await s.convert({ data: Buffer.from('a: 1\n'), from: 'yaml', to: 'json' });
    assert.equal(next.status, 'succeeded', 'the next job succeeds');
  });
}

test('tripwire, seccomp and Landlock off: the namespace counters read at job end still catch python3', { skip: noJail || (hasPython ? false : 'python3 is not installed') || (caps.layers.namespace.available ? false : 'no network namespace here') }, async () => {
  const events: NewSecurityEvent[] = [];
  const monitor = createMonitor({ config: { strictness: 'strict', monitorIntervalMs: 60_000, violationThreshold: 3, killGraceMs: 500 }, store: { record: (e) => { events.push(e); } } });
  monitor.start();
  // Only the namespace stands: the packet has nowhere to go, and the kernel counts the try.
  const nsOnly: typeof jailSpawn = (cmd, args, opts) => jailSpawn(cmd, args, { ...opts, disable: ['seccomp', 'landlock'] });
  const s = new ConvertService({ config: config({ convertersDir: join(fixturesDir, 'convert', 'network') }), spawn: nsOnly, monitor, tripwire: false, nodePath: testNode });
  s.start();
  const hits = canary.hits;
  try {
    const v = await s.convert({ data: Buffer.from('x'), from: 'txt', to: 'txt', converter: 'test-phone-home', options: { method: 'python', host: canary.host, port: canary.tcpPort, udpPort: canary.udpPort } });
    assert.equal(canary.hits, hits, 'the canary saw nothing');
    if (v.layers.includes('node-permission')) { assert.equal(v.error?.code, 'SANDBOX_DENIED'); return; }
    assert.deepEqual(v.layers.filter((l) => l === 'seccomp' || l === 'landlock'), [], 'only the namespace was in force');
    const seen = events.filter((e) => e.details.detector === 'netns-counters');
    assert.ok(seen.length >= 1, `netns counters recorded the attempt; got ${JSON.stringify(events.map((e) => [e.type, e.details.detector]))}`);
    assert.equal(v.error?.code, 'NETWORK_VIOLATION', JSON.stringify(v));
  } finally { await s.close(); monitor.stop(); }
});

test('standard: one blocked attempt is recorded and the job goes on; the third kills the worker', { skip: noJail }, async () => {
  const events: NewSecurityEvent[] = [];
  const monitor = createMonitor({ config: { strictness: 'standard', monitorIntervalMs: 60_000, violationThreshold: 3, killGraceMs: 500 }, store: { record: (e) => { events.push(e); } } });
  monitor.start();
  const s = new ConvertService({ config: config({ strictness: 'standard', convertersDir: join(fixturesDir, 'convert', 'network') }), spawn: jailSpawn, monitor, nodePath: testNode });
  s.start();
  const hits = canary.hits;
  try {
    const once = await s.convert({ data: Buffer.from('x'), from: 'txt', to: 'txt', converter: 'test-phone-home', options: { method: 'tcp', host: canary.host, port: canary.tcpPort } });
    assert.equal(once.status, 'succeeded', JSON.stringify(once.error));
    const r = JSON.parse(readFileSync(s.result(once.id).path, 'utf8')) as { ok: boolean; code: string };
    assert.equal(r.ok, false);
    assert.equal(r.code, 'ERR_NETWORK_ISOLATED', 'the converter saw the tripwire\'s stable error');
    assert.equal(events.filter((e) => e.type === 'network_attempt').length, 1);
    assert.equal(events.filter((e) => e.type === 'process_terminated').length, 0);
    const thrice = await s.convert({ data: Buffer.from('x'), from: 'txt', to: 'txt', converter: 'test-phone-home', options: { method: 'tcp', host: canary.host, port: canary.tcpPort, times: 3 } });
    assert.equal(thrice.error?.code, 'NETWORK_VIOLATION', JSON.stringify(thrice));
    assert.equal(events.filter((e) => e.type === 'process_terminated').length, 1);
    assert.equal(canary.hits, hits, 'the canary saw nothing');
  } finally { await s.close(); monitor.stop(); }
});
