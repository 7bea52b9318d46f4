// The web UI's pure modules (web/*.js, the very files the browser loads), in Node: event
// sentences robust to any missing detail and to event types the page has never heard of;
// layer explanations that say when an off layer does not matter; plain words for every error
// code the server can send; file-type detection by name and magic bytes; options from a JSON
// schema; the in-page ZIP writer (read back by yauzl, CRCs checked against zlib).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { crc32 } from 'node:zlib';
import { repoRoot } from '../helpers/paths.js';
import { readZip } from '../helpers/unzip.js';
import { SECURITY_EVENT_TYPES } from '../../src/events/index.js';
import { CONVERT_ERRORS } from '../../src/convert/errors.js';

type Details = Record<string, unknown>;
interface Ev { id?: number; type: string; severity: string; details: Details }
interface Words {
  eventSentence(ev: Ev, ctx?: { converterOf?: (id: string) => string | null }): { text: string; tone: string };
  detailRows(d: Details): [string, string][];
  layerSentence(layer: { name: string; inForce: boolean; reason?: string }, ctx: { layers: { name: string; inForce: boolean }[]; nodePermission?: unknown }): { state: string; title: string; text: string };
  badgeFor(iso: unknown): { tone: string; text: string; explain: string };
  errorWords(e: unknown): { words: string; code: string; detail: string };
}
interface Detect { detect(name: string, head: Uint8Array): { format: string | null; confirmed: boolean; note: string | null } }
interface Field { key: string; kind: string; default?: unknown; choices?: string[]; min?: number; max?: number }
interface Schema { fieldsOf(s: unknown): Field[]; collectOptions(f: Field[], raw: Record<string, unknown>): { options: Record<string, unknown>; error: string | null } }
interface Zip { makeZip(entries: { name: string; data: Uint8Array }[]): Uint8Array }

const load = async <T>(name: string): Promise<T> => (await import(pathToFileURL(join(repoRoot, 'web', name)).href)) as T;
const words = await load<Words>('words.js');
const { detect } = await load<Detect>('detect.js');
const schema = await load<Schema>('schema.js');
const { makeZip } = await load<Zip>('zip.js');
const { KNOWN_TYPES } = await load<{ KNOWN_TYPES: Record<string, string> }>('feed.js');

test('event sentences: who, where, what happened, which job', () => {
  const s = words.eventSentence({ type: 'network_attempt', severity: 'warning', details: { culprit: 'curl', host: '93.184.216.34', port: 443, jobId: '3f2a9c1e-0000-4000-8000-000000000000', detector: 'seccomp' } });
  assert.equal(s.text, 'curl tried to reach 93.184.216.34:443 — blocked, job 3f2a9c1e');
  assert.equal(s.tone, 'warning');
  assert.equal(words.eventSentence({ type: 'network_attempt', severity: 'warning', details: { package: 'evil-telemetry', destination: '/run/dbus/system_bus_socket', terminated: true, count: 4 } }).text,
    'evil-telemetry tried to reach /run/dbus/system_bus_socket — blocked, and the worker was stopped, 4 times');
  assert.equal(words.eventSentence({ type: 'dns_blocked', severity: 'warning', details: { program: 'python3', dnsName: 'tracker.invalid' } }).text, 'python3 tried to look up tracker.invalid — blocked');
  assert.equal(words.eventSentence({ type: 'network_attempt', severity: 'warning', details: { exe: '/usr/bin/wget', destination: '192.0.2.7:80', dnsName: 'cdn.invalid' } }).text, 'wget tried to reach cdn.invalid (192.0.2.7:80) — blocked');
  assert.equal(words.eventSentence({ type: 'network_attempt', severity: 'warning', details: { host: '2001:db8::1', port: 53 } }).text, 'A converter tried to reach [2001:db8::1]:53 — blocked');
  // "app" (code outside any package) says nothing to a user: the job's converter does.
  const app = { type: 'network_attempt', severity: 'warning', details: { package: 'app', culprit: 'app', destination: '127.0.0.1:9', jobId: 'abcdef12-3456' } };
  assert.equal(words.eventSentence(app, { converterOf: (id) => (id === 'abcdef12-3456' ? 'test-phone-home' : null) }).text, 'The converter “test-phone-home” tried to reach 127.0.0.1:9 — blocked, job abcdef12');
  assert.equal(words.eventSentence(app).text, 'A converter tried to reach 127.0.0.1:9 — blocked, job abcdef12');
  assert.equal(words.eventSentence({ type: 'process_terminated', severity: 'warning', details: { pid: 42, violations: 3, culprit: 'curl', role: 'worker', jobId: '42' } }).text,
    'A converter worker (pid 42) was stopped after 3 network attempts by curl — job 42');
});

test('every known event type, with no details at all, still reads as a sentence; unknown types are described, never dropped', () => {
  for (const type of SECURITY_EVENT_TYPES) {
    for (const details of [{}, { pid: null, port: null, host: '', jobId: 7, parents: 'x', inactive: null }]) {
      const s = words.eventSentence({ type, severity: 'info', details });
      assert.ok(s.text.length > 10, `${type}: ${s.text}`);
      assert.doesNotMatch(s.text, /undefined|null|\[object|NaN/, `${type}: ${s.text}`);
    }
  }
  assert.deepEqual(Object.keys(KNOWN_TYPES).sort(), [...SECURITY_EVENT_TYPES].sort(), 'the feed\'s filter names every type the server records');
  const escape = words.eventSentence({ type: 'setns_blocked', severity: 'critical', details: { program: 'evil', syscall: 'setns', pid: 9, terminated: true, jobId: 'deadbeef-1111-4111-8111-111111111111' } });
  assert.equal(escape.text, 'Setns blocked by evil (setns) — the process was stopped, job deadbeef');
  assert.equal(escape.tone, 'critical');
  assert.equal(words.eventSentence({ type: 'brand_new_kind', severity: 'bogus', details: {} }).text, 'Brand new kind');
  assert.equal(words.eventSentence({ type: 'brand_new_kind', severity: 'bogus', details: {} }).tone, 'warning', 'an unknown severity is shown as a warning, not hidden');
  const rows = words.detailRows({ zeta: 1, parents: [{ pid: 1, program: 'sh' }, { pid: 2 }], destination: '@abstract', detector: 'seccomp' });
  assert.deepEqual(rows, [['detector', 'seccomp'], ['parents', 'sh (1) ← ? (2)'], ['destination', '@abstract'], ['zeta', '1']]);
});

const KERNEL = [{ name: 'namespace', inForce: true }, { name: 'mountns', inForce: true }, { name: 'landlock', inForce: true }, { name: 'seccomp', inForce: true }];

test('layers: an off layer says why and whether it matters; node-permission on Node < 25 under kernel layers is "fine", never a bare red cross', () => {
  const old = { name: 'node-permission', inForce: false, reason: 'Node v22.23.3: the permission model does not cover the network' };
  const check = { id: 'node.permission', status: 'warn', data: { node: 'v22.23.3' } };
  const fine = words.layerSentence(old, { layers: [...KERNEL, old], nodePermission: check });
  assert.equal(fine.state, 'off-ok');
  assert.match(fine.text, /v22\.23\.3.*Node\.js 25.*That is fine: the kernel layers/);
  const alone = words.layerSentence(old, { layers: [old], nodePermission: check });
  assert.equal(alone.state, 'off-bad', 'with no kernel layer it does matter');
  // On Node >= 25 the start-up canary runs without it on purpose; the workers have it.
  const canary = { name: 'node-permission', inForce: false, reason: 'not applied to the kernel canary on purpose' };
  const on = words.layerSentence(canary, { layers: [...KERNEL, canary], nodePermission: { status: 'pass', data: { node: 'v26.1.0' } } });
  assert.equal(on.state, 'on');
  assert.match(on.text, /on purpose/);
  const noLandlock = words.layerSentence({ name: 'landlock', inForce: false }, { layers: [{ name: 'namespace', inForce: true }, { name: 'seccomp', inForce: true }] });
  assert.equal(noLandlock.state, 'off-ok');
  assert.match(noLandlock.text, /private network and socket filter \(seccomp\)/);
  for (const l of KERNEL) assert.equal(words.layerSentence(l, { layers: KERNEL }).state, 'on');
  assert.equal(words.badgeFor({ verified: true, level: 'kernel-enforced', blockedAttempts: 1 }).text, 'Isolated · 1 blocked attempt');
  assert.equal(words.badgeFor({ verified: false, level: 'unverified', blockedAttempts: 0, reason: 'no check yet' }).tone, 'bad');
});

test('every conversion error code the server has is put in plain words, with the code kept', () => {
  const fallback = words.errorWords({ code: 'NOT_A_REAL_CODE', message: 'x' }).words;
  for (const code of Object.keys(CONVERT_ERRORS)) {
    const w = words.errorWords({ code, message: 'detail from the server' });
    assert.notEqual(w.words, fallback, `${code} has its own words`);
    assert.equal(w.code, code);
    assert.equal(w.detail, 'detail from the server');
  }
});

test('file types: magic bytes beat the name; a name the bytes contradict is noted; unknown is unknown', () => {
  const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
  const jpeg = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]);
  const zipHead = new TextEncoder().encode('PK\x03\x04rest');
  const text = new TextEncoder().encode('a,b\n1,2\n');
  assert.deepEqual(detect('photo.png', png), { format: 'png', confirmed: true, note: null });
  const misnamed = detect('photo.png', jpeg);
  assert.equal(misnamed.format, 'jpeg');
  assert.equal(misnamed.confirmed, true);
  assert.match(misnamed.note ?? '', /name says PNG.*content is JPEG/);
  const fake = detect('photo.png', text);
  assert.equal(fake.format, 'png');
  assert.equal(fake.confirmed, false);
  assert.match(fake.note ?? '', /do not look like PNG/);
  assert.deepEqual(detect('letter.DOCX', zipHead), { format: 'docx', confirmed: false, note: null });
  assert.equal(detect('bundle.zip', zipHead).format, null);
  assert.equal(detect('table.csv', text).format, 'csv');
  assert.equal(detect('README', text).format, 'txt');
  assert.equal(detect('blob.bin', Uint8Array.from([0, 1, 2, 0xff])).format, null);
  assert.equal(detect('x.gif', new TextEncoder().encode('GIF89a....')).format, 'gif');
  assert.equal(detect('x', new TextEncoder().encode('RIFF\0\0\0\0WEBPVP8 ')).format, 'webp');
  assert.equal(detect('x', new TextEncoder().encode('\0\0\0\x1cftypavif')).format, 'avif');
  assert.equal(detect('x', Uint8Array.from([0x49, 0x49, 42, 0])).format, 'tiff');
  assert.equal(detect('x', new TextEncoder().encode('%PDF-1.7')).format, 'pdf');
});

test('options from a schema: fields by type, defaults kept by the server, only changes sent, bad values named', () => {
  const image = { type: 'object', properties: { width: { type: 'integer', minimum: 1, maximum: 16384 }, fit: { type: 'string', enum: ['cover', 'inside'], default: 'inside' }, quality: { type: 'integer', minimum: 1, maximum: 100, default: 85 }, stripMetadata: { type: 'boolean', default: true }, sheet: { anyOf: [{ type: 'integer' }, { type: 'string' }] } }, additionalProperties: false };
  const fields = schema.fieldsOf(image);
  assert.deepEqual(fields.map((f) => [f.key, f.kind]), [['width', 'number'], ['fit', 'choice'], ['quality', 'number'], ['stripMetadata', 'boolean'], ['sheet', 'text']]);
  assert.deepEqual(schema.collectOptions(fields, {}), { options: {}, error: null });
  assert.deepEqual(schema.collectOptions(fields, { width: '50', fit: 'inside', quality: '85', stripMetadata: false, sheet: '2' }), { options: { width: 50, stripMetadata: false, sheet: 2 }, error: null });
  assert.deepEqual(schema.collectOptions(fields, { sheet: 'Totals' }).options, { sheet: 'Totals' });
  assert.match(schema.collectOptions(fields, { quality: '500' }).error ?? '', /Quality \(1–100\): expected 1 to 100/);
  assert.match(schema.collectOptions(fields, { width: '2.5' }).error ?? '', /whole number/);
  // A user converter without a schema: one JSON field.
  const free = schema.fieldsOf({ type: 'object', additionalProperties: {} });
  assert.deepEqual(free.map((f) => f.kind), ['json']);
  assert.deepEqual(schema.collectOptions(free, { '*': '{"method":"tcp","port":9}' }), { options: { method: 'tcp', port: 9 }, error: null });
  assert.match(schema.collectOptions(free, { '*': '[1]' }).error ?? '', /JSON object/);
  assert.deepEqual(schema.fieldsOf({ type: 'object', properties: {}, additionalProperties: false }), []);
});

test('the in-page ZIP: readable by a real unzipper, CRCs right, UTF-8 and duplicate names handled', async () => {
  const enc = new TextEncoder();
  const files = [{ name: 'a.json', data: enc.encode('{"a":1}') }, { name: 'Ä résumé.txt', data: enc.encode('ünïcode') }, { name: 'a.json', data: enc.encode('second') }, { name: '../evil/x.txt', data: new Uint8Array(0) }];
  const zip = Buffer.from(makeZip(files));
  const entries = await readZip(zip);
  assert.deepEqual(entries.map((e) => e.name), ['a.json', 'Ä résumé.txt', 'a (2).json', '__evil_x.txt']);
  for (const e of entries) assert.equal(e.crc32, crc32(e.data), e.name);
  assert.equal(entries[1]!.data.toString('utf8'), 'ünïcode');
});
