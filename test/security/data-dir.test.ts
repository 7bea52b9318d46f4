// Issue 13 item 2: the data dir holds the token, config.json (which can point the server at a
// converters folder, turn on file-name logging, change the bind address …) and server.json.
// Another local user who can write there, or who owns it, owns the server. So:
//   - a data dir that is group/other-writable, or owned by another user, or given as a symlink
//     another user owns, is refused at start (exit 2) with the fix in the message, and nothing
//     planted in it (token, config.json) is ever used;
//   - a pre-existing 0755 data dir is tightened to 0700;
//   - the token and server.json are never read or written through a symlink, and a token file
//     another user owns is not believed.
// Real processes (`hermetic serve`), real files; other users are uids no account has (chown/setpriv).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lchownSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath, isRoot, testNode } from '../helpers/paths.js';
import { cleanEnv, privateTmp, removeTree, serve, unusedUid } from './harness.js';

function serveRefused(dataDir: string, extra: { wrap?: string[]; env?: Record<string, string> } = {}) {
  const [cmd, ...pre] = extra.wrap?.length ? [...extra.wrap, testNode] : [testNode];
  const r = spawnSync(cmd as string, [...pre, cliPath, 'serve', '--port', '0', '--data-dir', dataDir], { env: cleanEnv({ HERMETIC_LOG_LEVEL: 'warn', ...extra.env }), encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const PLANTED_TOKEN = 'a'.repeat(64);
/** What a hostile config.json would do: log file names, load converters from the attacker's folder. */
const PLANTED_CONFIG = { logFileNames: true, convertersDir: '/tmp/attacker-converters', rateLimit: { max: 1_000_000 } };

function plant(dir: string): void {
  writeFileSync(join(dir, 'token'), `${PLANTED_TOKEN}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(PLANTED_CONFIG), { mode: 0o600 });
}

test('a group/other-writable data dir is refused with the fix; nothing planted in it is used', async (t) => {
  const root = privateTmp();
  t.after(() => removeTree(root));
  for (const mode of [0o777, 0o770, 0o1777]) {
    const dir = join(root, `d${mode.toString(8)}`);
    mkdirSync(dir);
    chmodSync(dir, mode);
    plant(dir);
    const r = serveRefused(dir);
    assert.equal(r.code, 2, `mode ${mode.toString(8)}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /writable by (its group|others|other users)/);
    assert.match(r.stderr, new RegExp(`chmod 700 ${dir.replace(/[/.]/g, '\\$&')}`), 'the message names the fix');
    assert.doesNotMatch(r.stdout, /serving on/);
    assert.equal(existsSync(join(dir, 'hermetic.db')), false, 'nothing was opened in it');
    assert.equal(readFileSync(join(dir, 'token'), 'utf8').trim(), PLANTED_TOKEN, 'the planted token was not touched (nor used)');
  }
  // Other commands read config.json too: they refuse the same way.
  const st = spawnSync(testNode, [cliPath, 'status', '--data-dir', join(root, 'd777')], { env: cleanEnv(), encoding: 'utf8', timeout: 30_000 });
  assert.equal(st.status, 2, st.stderr);
  assert.match(st.stderr, /writable by/);

  // Positive control: the fix the message names makes the same folder acceptable (planted files removed).
  const dir = join(root, 'd777');
  chmodSync(dir, 0o700);
  removeTree(join(dir, 'token'));
  removeTree(join(dir, 'config.json'));
  const s = await serve({ dataDir: dir });
  try {
    assert.notEqual(s.token, PLANTED_TOKEN);
  } finally {
    await s.stop();
  }
});

test('a data dir owned by another user, or a --data-dir symlink another user owns, is refused', async (t) => {
  if (!isRoot) return t.skip('needs root to create files owned by another uid');
  const other = unusedUid();
  const root = privateTmp();
  t.after(() => removeTree(root));
  chmodSync(root, 0o755);

  const foreign = join(root, 'foreign');
  mkdirSync(foreign, { mode: 0o700 });
  plant(foreign);
  chownSync(foreign, other, other);
  const r1 = serveRefused(foreign);
  assert.equal(r1.code, 2, r1.stdout + r1.stderr);
  assert.match(r1.stderr, new RegExp(`owned by uid ${other}`));
  assert.doesNotMatch(r1.stdout, /serving on/);

  // A symlink planted by another user that points at a perfectly good folder of ours.
  const mine = join(root, 'mine');
  mkdirSync(mine, { mode: 0o700 });
  const link = join(root, 'link');
  symlinkSync(mine, link);
  lchownSync(link, other, other);
  const r2 = serveRefused(link);
  assert.equal(r2.code, 2, r2.stdout + r2.stderr);
  assert.match(r2.stderr, new RegExp(`symbolic link owned by uid ${other}`));
  assert.equal(existsSync(join(mine, 'hermetic.db')), false);

  // Our own symlink to a folder another user owns: the folder is what counts.
  const link2 = join(root, 'link2');
  symlinkSync(foreign, link2);
  const r3 = serveRefused(link2);
  assert.equal(r3.code, 2, r3.stdout + r3.stderr);
  assert.match(r3.stderr, new RegExp(`owned by uid ${other}`));

  // A data dir inside a folder another user can write (without the sticky bit): they could swap it.
  const open = join(root, 'open');
  mkdirSync(open);
  chmodSync(open, 0o777);
  const inner = join(open, 'data');
  mkdirSync(inner, { mode: 0o700 });
  const r4 = serveRefused(inner);
  assert.equal(r4.code, 2, r4.stdout + r4.stderr);
  assert.match(r4.stderr, new RegExp(`${open.replace(/[/.]/g, '\\$&')}.*writable`));

  // Positive control: our own symlink to our own folder is fine.
  const link3 = join(root, 'link3');
  symlinkSync(mine, link3);
  const s = await serve({ dataDir: link3 });
  await s.stop();
  assert.ok(existsSync(join(mine, 'token')));
});

test('a non-root server refuses a data dir another (non-root) user planted; its own folder works', async (t) => {
  if (!isRoot) return t.skip('needs root to switch to two other uids with setpriv');
  const victim = unusedUid();
  let attacker = unusedUid();
  while (attacker === victim) attacker = unusedUid();
  const root = privateTmp();
  t.after(() => removeTree(root));
  chmodSync(root, 0o755);
  const as = (uid: number) => ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--'];
  // The attacker prepares the victim's usual data dir path (e.g. a shared /tmp location), 0755, with a token.
  const planted = join(root, 'hermetic');
  mkdirSync(planted, { mode: 0o755 });
  plant(planted);
  chownSync(planted, attacker, attacker);
  chownSync(join(planted, 'token'), attacker, attacker);
  chownSync(join(planted, 'config.json'), attacker, attacker);
  const r = serveRefused(planted, { wrap: as(victim), env: { HOME: root } });
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, new RegExp(`owned by uid ${attacker}, not you \\(uid ${victim}\\)`));
  // Positive control: the victim's own folder (0700, theirs) serves.
  const own = join(root, 'own');
  mkdirSync(own, { mode: 0o700 });
  chownSync(own, victim, victim);
  const s = await serve({ dataDir: own, wrap: as(victim), env: { HOME: root } });
  try {
    assert.equal(statSync(join(own, 'token')).uid, victim);
  } finally {
    await s.stop();
  }
  // The same user inside a user namespace of its own (paranoid mode's jailed server, `hermetic
  // prove`): root's folders above the data dir show as the overflow uid there, and are still fine.
  const inNs = join(root, 'in-userns');
  mkdirSync(inNs, { mode: 0o700 });
  chownSync(inNs, victim, victim);
  const ns = await serve({ dataDir: inNs, wrap: [...as(victim), 'unshare', '--user', `--map-user=${victim}`, `--map-group=${victim}`, '--'], env: { HOME: root } });
  await ns.stop();
  assert.equal(statSync(join(inNs, 'token')).uid, victim);
});

test('a pre-existing 0755 data dir is tightened to 0700; a missing one is created 0700', async (t) => {
  const root = privateTmp();
  t.after(() => removeTree(root));
  const loose = join(root, 'loose');
  mkdirSync(loose, { mode: 0o755 });
  chmodSync(loose, 0o755);
  const s = await serve({ dataDir: loose });
  await s.stop();
  assert.equal(statSync(loose).mode & 0o777, 0o700);
  const fresh = join(root, 'a', 'b', 'hermetic');
  const s2 = await serve({ dataDir: fresh });
  await s2.stop();
  assert.equal(statSync(fresh).mode & 0o777, 0o700);
  assert.equal(statSync(join(root, 'a')).mode & 0o777, 0o700, 'parents we create are private too');
});

test('token and server.json are never read or written through a symlink; a foreign token is not believed', async (t) => {
  const root = privateTmp();
  t.after(() => removeTree(root));
  const victimDir = join(root, 'victim-home');
  mkdirSync(victimDir, { mode: 0o700 });
  const bashrc = join(victimDir, '.bashrc');
  writeFileSync(bashrc, 'precious\n', { mode: 0o644 });
  const tokenLike = join(victimDir, 'token-like');
  writeFileSync(tokenLike, `${'b'.repeat(64)}\n`, { mode: 0o600 });

  const dir = join(root, 'data');
  mkdirSync(dir, { mode: 0o700 });
  symlinkSync(bashrc, join(dir, 'token'));
  symlinkSync(bashrc, join(dir, 'server.json'));
  const s = await serve({ dataDir: dir });
  try {
    assert.equal(readFileSync(bashrc, 'utf8'), 'precious\n', 'nothing was written through the symlinks');
    assert.ok(lstatSync(join(dir, 'token')).isFile(), 'the token is a regular file now');
    assert.equal(lstatSync(join(dir, 'token')).mode & 0o777, 0o600);
    assert.equal(readFileSync(join(dir, 'token'), 'utf8').trim(), s.token);
    assert.ok(lstatSync(join(dir, 'server.json')).isFile());
    assert.equal((JSON.parse(readFileSync(join(dir, 'server.json'), 'utf8')) as { port: number }).port, s.port);
  } finally {
    await s.stop();
  }
  // A symlink to a file holding a well-formed token: not believed (it could be anyone's file).
  removeTree(join(dir, 'token'));
  symlinkSync(tokenLike, join(dir, 'token'));
  const s2 = await serve({ dataDir: dir });
  await s2.stop();
  assert.notEqual(s2.token, 'b'.repeat(64));
  assert.equal(readFileSync(tokenLike, 'utf8').trim(), 'b'.repeat(64));

  if (isRoot) {
    // A token file another user owns (root can put one there): replaced, never used.
    removeTree(join(dir, 'token'));
    writeFileSync(join(dir, 'token'), `${'c'.repeat(64)}\n`, { mode: 0o600 });
    const other = unusedUid();
    chownSync(join(dir, 'token'), other, other);
    const s3 = await serve({ dataDir: dir });
    await s3.stop();
    assert.notEqual(s3.token, 'c'.repeat(64));
    assert.equal(statSync(join(dir, 'token')).uid, process.getuid?.());
    // config.json that is not ours, or a symlink: refused with the reason, not silently used.
    writeFileSync(join(dir, 'config.json'), JSON.stringify(PLANTED_CONFIG), { mode: 0o600 });
    chownSync(join(dir, 'config.json'), other, other);
    const r = serveRefused(dir);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`config\\.json.*owned by uid ${other}`));
  }
  removeTree(join(dir, 'config.json'));
  symlinkSync(tokenLike, join(dir, 'config.json'));
  const r2 = serveRefused(dir);
  assert.equal(r2.code, 2, r2.stdout + r2.stderr);
  assert.match(r2.stderr, /config\.json.*symbolic link/);
});
