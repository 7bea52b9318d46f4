// `hermetic prove`, the parts that shape the run and its report: sample inputs, which pair of
// each converter is exercised, how the application's reports become attempts (and which try of
// the fixture they belong to), who the server runs as, the test-only knobs, and the exit code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { attemptName, attemptPort, attemptTarget } from '../../src/prove/attacker.js';
import { layerOfCode } from '../../src/prove/attacks.js';
import { attemptAt, fromFixture, fromRunEvents, fromServerEvents, matchAttempt } from '../../src/prove/attempts.js';
import { choosePair, convertEveryFamily } from '../../src/prove/conversions.js';
import { asUserPrefix } from '../../src/prove/identity.js';
import { sampleInputs, textPdf, textPng } from '../../src/prove/inputs.js';
import { exitCodeOf, renderText } from '../../src/prove/report.js';
import { testKnobs } from '../../src/prove/test-knobs.js';
import type { ProveReport } from '../../src/prove/types.js';

test('inputs: the PNG is a valid greyscale image whose pixels hold ink; the PDF\'s cross-reference points at its objects', () => {
  const png = textPng('HI', 2);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(png.subarray(12, 16).toString('latin1'), 'IHDR');
  const width = png.readUInt32BE(16), height = png.readUInt32BE(20);
  assert.deepEqual([width, height], [(2 * 6 - 1 + 6) * 2, (7 + 6) * 2]);
  const idatLen = png.readUInt32BE(33);
  const raw = inflateSync(png.subarray(41, 41 + idatLen));
  assert.equal(raw.length, (width + 1) * height);
  assert.ok(raw.includes(0), 'some black pixels');
  const pdf = textPdf('Hermetic (prove)').toString('latin1');
  const xref = Number(/startxref\n(\d+)/.exec(pdf)?.[1]);
  assert.equal(pdf.slice(xref, xref + 4), 'xref');
  const offsets = [...pdf.slice(xref).matchAll(/^(\d{10}) 00000 n $/gm)].map((m) => Number(m[1]));
  assert.equal(offsets.length, 5);
  offsets.forEach((o, i) => assert.equal(pdf.slice(o, o + `${i + 1} 0 obj`.length), `${i + 1} 0 obj`));
  assert.match(pdf, /\(Hermetic \\\(prove\\\)\) Tj/);
  assert.deepEqual([...sampleInputs().keys()].sort(), ['csv', 'html', 'json', 'md', 'pdf', 'png', 'toml', 'txt', 'yaml']);
});

test('conversions: a real change of format is preferred; a converter with no reachable input has no pair', () => {
  const have = new Set(['png', 'md']);
  assert.deepEqual(choosePair({ id: 'image', origin: 'builtin', pairs: [['png', 'png'], ['png', 'jpeg']] }, have), ['png', 'jpeg']);
  assert.deepEqual(choosePair({ id: 'x', origin: 'builtin', pairs: [['docx', 'md'], ['md', 'md']] }, have), ['md', 'md']);
  assert.equal(choosePair({ id: 'office', origin: 'system', pairs: [['docx', 'pdf']] }, have), null);
});

test('conversions: results feed later converters; an uninstalled system converter is listed, never run', async () => {
  const calls: string[] = [];
  const server = {
    url: 'http://127.0.0.1:1',
    async request(_m: 'GET' | 'POST', path: string) {
      const q = new URLSearchParams(path.split('?')[1]);
      calls.push(`${q.get('converter')}:${q.get('from')}→${q.get('to')}`);
      return { status: 200, headers: new Headers(), body: Buffer.from(`made by ${q.get('converter')}`) };
    },
    async json<T>(): Promise<T> { throw new Error('unused'); },
    async stop() { return 0; },
  };
  const catalog = {
    formats: { md: { ext: 'md' }, docx: { ext: 'docx' } },
    converters: [
      { id: 'office', origin: 'builtin', pairs: [['docx', 'pdf']] as [string, string][] },
      { id: 'pandoc', origin: 'builtin', pairs: [['md', 'docx']] as [string, string][] },
      { id: 'magick', origin: 'builtin', pairs: [['png', 'webp']] as [string, string][], available: false, reason: 'install imagemagick' },
      { id: 'mine', origin: 'plugin', pairs: [['md', 'txt']] as [string, string][] },
      { id: 'odd', origin: 'builtin', pairs: [['heic', 'png']] as [string, string][] },
    ],
  };
  const reports = await convertEveryFamily(server, catalog, new Map([['md', Buffer.from('# x')]]));
  assert.deepEqual(calls, ['pandoc:md→docx', 'office:docx→pdf'], 'office reached through pandoc\'s DOCX; plugins are not the user\'s to test here');
  assert.deepEqual(reports.map((r) => [r.converter, r.ok, r.skipped?.split(':')[0] ?? null]), [
    ['magick', false, 'not available on this machine'],
    ['pandoc', true, null],
    ['office', true, null],
    ['odd', false, 'no sample input for any of its pairs (heic→png)'],
  ]);
  assert.equal(reports[2]?.bytesIn, 'made by pandoc'.length);
});

test('attacker: every try has its own name and port, through the server and through run', () => {
  assert.equal(attemptName('run', 'curl'), 'curl-run.hermetic-prove.invalid');
  assert.equal(attemptPort('server', 'fetch'), 8101);
  assert.equal(attemptPort('run', 'curl'), 8205);
  assert.equal(attemptTarget('run', 'tcp'), '192.0.2.80:8202');
  assert.equal(attemptTarget('server', 'fetch'), 'http://fetch-server.hermetic-prove.invalid:8101/');
  assert.equal(layerOfCode('ERR_NETWORK_ISOLATED'), 'tripwire');
  assert.equal(layerOfCode('ERR_ACCESS_DENIED'), 'node-permission');
  assert.equal(layerOfCode('EACCES'), 'landlock');
  assert.equal(layerOfCode('ENETUNREACH'), 'namespace');
  assert.equal(layerOfCode('curl exit 6'), undefined);
});

test('attempts: server events become attempts by layer, matched to the try by destination, else by time', () => {
  const t = (ms: number) => new Date(1_800_000_000_000 + ms).toISOString();
  const rows = [
    { id: 1, type: 'network_attempt', severity: 'warning', timestamp: t(10), details: { detector: 'tripwire', api: 'fetch', package: 'app', host: 'fetch-server.hermetic-prove.invalid', port: 8101, pid: 7, jobId: 'j1' } },
    { id: 2, type: 'network_attempt', severity: 'warning', timestamp: t(210), details: { detector: 'seccomp', syscall: 'socket', family: 'AF_INET', socketType: 'SOCK_DGRAM', pid: 8, program: 'curl', culprit: 'curl' } },
    { id: 3, type: 'verification_completed', severity: 'info', timestamp: t(0), details: {} },
    { id: 4, type: 'dns_blocked', severity: 'warning', timestamp: t(5), details: { detector: 'tripwire', api: 'dns.lookup', package: 'left-pad', host: 'cdn.hermetic-prove.invalid', count: 3, terminated: true } },
  ];
  const windows = [{ attempt: 'fetch', start: 1_800_000_000_008, end: 0 }, { attempt: 'curl', start: 1_800_000_000_200, end: 0 }];
  const a = fromServerEvents(rows, windows);
  assert.equal(a.length, 3, 'verification is not an attempt');
  assert.deepEqual(a[0], { path: 'server', layer: 'tripwire', reportedBy: 'tripwire', culprit: 'app', destination: 'fetch-server.hermetic-prove.invalid:8101', call: 'fetch', pid: 7, jobId: 'j1', attempt: 'fetch', detail: 'network_attempt' });
  assert.equal(a[1]?.layer, 'seccomp');
  assert.equal(a[1]?.call, 'socket(AF_INET, SOCK_DGRAM)');
  assert.equal(a[1]?.culprit, 'curl');
  assert.equal(a[1]?.attempt, 'curl', 'no destination: the try running at the time');
  assert.equal(a[2]?.attempt, undefined, 'before any try: not the fixture\'s');
  assert.equal(a[2]?.detail, 'dns_blocked, ×3, worker terminated');
  assert.equal(a[2]?.culprit, 'left-pad');
});

test('attempts: supervisor lines from `hermetic run`; a try sharing its millisecond with the next yields to it', () => {
  const windows = [{ attempt: 'dns', start: 100, end: 100 }, { attempt: 'curl', start: 100, end: 150 }];
  assert.equal(attemptAt(windows, 120), 'curl');
  assert.equal(attemptAt(windows, 99), undefined);
  assert.equal(attemptAt(windows, Number.NaN), undefined);
  const ev = [
    { pid: 12, syscall: 'socket', family: 'AF_INET', type: 'SOCK_DGRAM', errno: 'EPERM', ts: new Date(120).toISOString() },
    { pid: 12, syscall: 'sendto', family: 'AF_INET', address: '192.0.2.2', port: 53, dnsName: 'curl-run.hermetic-prove.invalid', program: 'curl', ts: new Date(99).toISOString() },
  ];
  const r = fromRunEvents(ev, windows);
  assert.equal(r[0]?.attempt, 'curl');
  assert.equal(r[0]?.culprit, 'pid 12');
  assert.equal(r[1]?.destination, 'curl-run.hermetic-prove.invalid (192.0.2.2:53)', 'a DNS name the supervisor adds is shown with the address');
  assert.equal(r[1]?.culprit, 'curl');
  assert.equal(r[1]?.attempt, 'curl', 'matched by name even outside its window');
  assert.equal(matchAttempt('run', 'to 192.0.2.80:8203'), 'udp');
  assert.equal(matchAttempt('run', 'to 192.0.2.80:82030'), undefined);
});

test('attempts: the program\'s own account is added only for blocks no layer reported', () => {
  const reported = fromRunEvents([{ pid: 1, syscall: 'socket', family: 'AF_INET', ts: new Date(120).toISOString() }], [{ attempt: 'curl', start: 100, end: 200 }]);
  const extra = fromFixture([
    { path: 'run', attempt: 'curl', target: 'http://curl-run.hermetic-prove.invalid:8205/', outcome: 'blocked', code: 'curl exit 6' },
    { path: 'run', attempt: 'tcp', target: '192.0.2.80:8202', outcome: 'blocked', code: 'ERR_ACCESS_DENIED', layer: 'node-permission' },
    { path: 'run', attempt: 'udp', target: '192.0.2.80:8203', outcome: 'reached', code: 'SENT' },
  ], reported);
  assert.equal(extra.length, 1);
  assert.equal(extra[0]?.attempt, 'tcp');
  assert.equal(extra[0]?.layer, 'node-permission');
  assert.equal(extra[0]?.reportedBy, 'program');
});

test('identity: root runs the server as root; a user runs it one user namespace deeper, as themselves', () => {
  const tools = { unshare: '/usr/bin/unshare', setpriv: '/usr/bin/setpriv' };
  assert.deepEqual(asUserPrefix({ mode: 'root', uid: 0, gid: 0 }, tools), ['/usr/bin/setpriv', '--pdeathsig', 'KILL', '--']);
  assert.deepEqual(asUserPrefix({ mode: 'user-namespace', uid: 1000, gid: 100 }, { ...tools, setpriv: null }), ['/usr/bin/unshare', '--user', '--map-user=1000', '--map-group=100', '--']);
});

test('test knobs: only known values act, and any knob set is a warning in the report', () => {
  assert.deepEqual(testKnobs({}), { blindRecorder: false, catchAll: 'auto', warnings: [] });
  const k = testKnobs({ HERMETIC_PROVE_FAULT: 'blind-recorder', HERMETIC_PROVE_CATCH_ALL: 'iptables' });
  assert.equal(k.blindRecorder, true);
  assert.equal(k.catchAll, 'iptables');
  assert.equal(k.warnings.length, 2);
  const bad = testKnobs({ HERMETIC_PROVE_FAULT: 'x', HERMETIC_PROVE_CATCH_ALL: 'pf' });
  assert.equal(bad.blindRecorder, false);
  assert.equal(bad.catchAll, 'auto');
  assert.match(bad.warnings.join(' '), /unknown value, ignored.*unknown value, ignored/);
});

function report(over: Partial<ProveReport>): ProveReport {
  return {
    verdict: 'sealed', packetsLeft: 0, attempts: [], conversions: [], reason: 'r', leaks: [], control: { probes: [], ok: true },
    fixture: [], trap: null, strictness: 'standard', faults: [], warnings: [], startedAt: '', durationMs: 1000, ...over,
  };
}

test('report: exit 0 only when sealed and every conversion that ran succeeded; a leak is named in the text', () => {
  const ok = { converter: 'image', origin: 'builtin', from: 'png', to: 'jpeg', ok: true, ms: 5, bytesIn: 1 };
  assert.equal(exitCodeOf(report({ conversions: [ok] })), 0);
  assert.equal(exitCodeOf(report({ conversions: [ok, { ...ok, ok: false, error: { code: 'X', message: 'm' } }] })), 1);
  assert.equal(exitCodeOf(report({ conversions: [ok, { ...ok, ok: false, skipped: 'no input' }] })), 0);
  assert.equal(exitCodeOf(report({ verdict: 'void' })), 1);
  const leaked = report({ verdict: 'leaked', packetsLeft: 4, leaks: [{ proto: 'tcp', from: '192.0.2.1:5', to: '192.0.2.80:8202', frames: 4, firstSeen: '', attributedTo: 'the fixture\'s tcp attempt under `hermetic run`' }] });
  assert.equal(exitCodeOf(leaked), 1);
  const text = renderText(leaked);
  assert.match(text, /^hermetic prove: LEAKED/);
  assert.match(text, /LEAK tcp 192\.0\.2\.1:5 → 192\.0\.2\.80:8202 \(4 frames\) — the fixture's tcp attempt under `hermetic run`/);
  assert.match(text, /^exit 1: /m);
});
