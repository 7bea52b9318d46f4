// Issue 13 item 3: converter plugins are code the server runs (in a jailed worker, but the jail
// does not stop reads on every Node version). A plugin file another user owns, or any plugin in a
// converters folder others can write, is refused — never imported — with the reason recorded as
// a `plugin_refused` security event. The attack: another user drops `steal.mjs` into a
// world-writable --converters folder; it reads a 0600 file of the server's user.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isRoot } from '../helpers/paths.js';
import { privateTmp, rawRequest, removeTree, serve, unusedUid, type Served } from './harness.js';

function plugin(id: string, body: string): string {
  return `export const manifest = { id: '${id}', title: 'test: ${id}', from: ['txt'], to: ['txt'] };
import { readFileSync } from 'node:fs';
export async function convert() { ${body} }
`;
}

async function catalogIds(s: Served): Promise<string[]> {
  const r = await rawRequest(s.port, 'GET', '/api/converters', { authorization: `Bearer ${s.token}` });
  assert.equal(r.status, 200, r.body.slice(0, 300));
  return (JSON.parse(r.body) as { converters: { id: string }[] }).converters.map((c) => c.id);
}

async function convertWith(s: Served, converter: string) {
  return rawRequest(s.port, 'POST', `/api/convert?to=txt&name=in.txt&converter=${converter}`, { authorization: `Bearer ${s.token}`, 'content-type': 'application/octet-stream' }, 'hello');
}

async function refusals(s: Served): Promise<{ file: string; reason: string }[]> {
  const r = await rawRequest(s.port, 'GET', '/api/security/events?type=plugin_refused&limit=100', { authorization: `Bearer ${s.token}` });
  assert.equal(r.status, 200, r.body.slice(0, 300));
  return (JSON.parse(r.body) as { events: { details: { plugin: string; reason: string } }[] }).events.map((e) => ({ file: e.details.plugin, reason: e.details.reason }));
}

test('plugins owned by another user, group/other-writable, or symlinked are refused and never run; our own plugin runs', async (t) => {
  if (!isRoot) return t.skip('needs root to create files owned by another uid');
  const other = unusedUid();
  const root = privateTmp();
  t.after(() => removeTree(root));
  const secretFile = join(root, 'secret.txt');
  const secret = `SECRET-${randomBytes(8).toString('hex')}`;
  writeFileSync(secretFile, secret, { mode: 0o600 });

  const dir = join(root, 'converters');
  mkdirSync(dir, { mode: 0o700 });
  const steal = plugin('steal', `return { data: readFileSync(${JSON.stringify(secretFile)}), format: 'txt' };`);
  writeFileSync(join(dir, 'steal.mjs'), steal, { mode: 0o644 });
  chownSync(join(dir, 'steal.mjs'), other, other);
  writeFileSync(join(dir, 'groupw.mjs'), plugin('groupw', `return { data: readFileSync(${JSON.stringify(secretFile)}), format: 'txt' };`), { mode: 0o664 });
  chmodSync(join(dir, 'groupw.mjs'), 0o664);
  const elsewhere = join(root, 'elsewhere.mjs');
  writeFileSync(elsewhere, plugin('linked', `return { data: readFileSync(${JSON.stringify(secretFile)}), format: 'txt' };`), { mode: 0o644 });
  symlinkSync(elsewhere, join(dir, 'linked.mjs'));
  // Positive control: a plugin of ours in the same folder.
  writeFileSync(join(dir, 'mine.mjs'), plugin('mine', `return { data: Buffer.from('mine ran'), format: 'txt' };`), { mode: 0o644 });

  const s = await serve({ args: ['--converters', dir], config: { poolSize: 1 } });
  try {
    const ids = await catalogIds(s);
    assert.ok(ids.includes('mine'), `our plugin is loaded: ${ids.join(', ')}`);
    for (const id of ['steal', 'groupw', 'linked']) assert.ok(!ids.includes(id), `${id} must not be loaded`);
    const ok = await convertWith(s, 'mine');
    assert.equal(ok.status, 200, ok.body.slice(0, 300));
    assert.equal(ok.body, 'mine ran');
    for (const id of ['steal', 'groupw', 'linked']) {
      const r = await convertWith(s, id);
      assert.ok(!r.body.includes(secret), `${id} read the secret`);
      assert.equal(r.status, 422, `${id}: ${r.body.slice(0, 300)}`);
      assert.equal(JSON.parse(r.body).error.code, 'NO_CONVERTER');
    }
    const refused = await refusals(s);
    const byFile: Record<string, string> = Object.fromEntries(refused.map((x) => [x.file, x.reason]));
    assert.equal(refused.length, 3, JSON.stringify(refused));
    assert.match(byFile['steal.mjs'] ?? '', new RegExp(`owned by uid ${other}, not you`));
    assert.match(byFile['groupw.mjs'] ?? '', /writable by its group/);
    assert.match(byFile['linked.mjs'] ?? '', /symbolic link/);
    assert.equal(byFile['mine.mjs'], undefined);
  } finally {
    await s.stop();
  }
});

test('a converters folder others can write, or another user owns, is refused as a whole', async (t) => {
  if (!isRoot) return t.skip('needs root to create a folder owned by another uid');
  const other = unusedUid();
  const root = privateTmp();
  t.after(() => removeTree(root));
  for (const [name, prepare, reason] of [
    ['world-writable', (d: string) => chmodSync(d, 0o777), /writable by other users/],
    ['sticky world-writable', (d: string) => chmodSync(d, 0o1777), /writable by other users/],
    ['foreign', (d: string) => chownSync(d, other, other), new RegExp(`owned by uid ${other}`)],
  ] as const) {
    const dir = join(root, name.replace(/ /g, '-'));
    mkdirSync(dir, { mode: 0o700 });
    writeFileSync(join(dir, 'mine.mjs'), plugin('mine', `return { data: Buffer.from('mine ran'), format: 'txt' };`), { mode: 0o644 });
    prepare(dir);
    const s = await serve({ args: ['--converters', dir], config: { poolSize: 1 } });
    try {
      const ids = await catalogIds(s);
      assert.ok(!ids.includes('mine'), `${name}: nothing from this folder is loaded (${ids.join(', ')})`);
      assert.ok(ids.includes('data'), `${name}: the built-in converters still work`);
      const refused = await refusals(s);
      assert.ok(refused.some((x) => reason.test(x.reason)), `${name}: ${JSON.stringify(refused)}`);
    } finally {
      await s.stop();
    }
  }
});
