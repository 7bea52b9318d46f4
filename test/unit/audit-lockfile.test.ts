// package-lock.json provenance: git, plain http, foreign hosts and missing hashes are
// findings; registry tarballs with integrity, links and (for --prod) dev entries are not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { checkLockfile, configuredRegistryHost } from '../../src/audit/lockfile.js';
import { writeTree } from './audit-fixture.js';

const I = 'sha512-AAAA';
const lock = {
  lockfileVersion: 3,
  packages: {
    '': { name: 'app', version: '1.0.0' },
    'node_modules/good': { version: '1.0.0', resolved: 'https://npm.mirror.invalid/good/-/good-1.0.0.tgz', integrity: I },
    'node_modules/implicit': { version: '1.0.0', integrity: I },
    'node_modules/from-git': { version: '1.0.0', resolved: 'git+ssh://git@github.invalid/x/y.git#abc', integrity: I },
    'node_modules/plain-http': { version: '1.0.0', resolved: 'http://npm.mirror.invalid/p/-/p-1.0.0.tgz', integrity: I },
    'node_modules/other-host': { version: '2.0.0', resolved: 'https://tarballs.invalid/o-2.0.0.tgz', integrity: I },
    'node_modules/a/node_modules/unpinned': { version: '0.1.0', resolved: 'https://npm.mirror.invalid/unpinned/-/unpinned-0.1.0.tgz' },
    'node_modules/dev-git': { version: '1.0.0', resolved: 'github:x/y', integrity: I, dev: true },
    'node_modules/linked': { resolved: 'packages/linked', link: true },
    'packages/linked': { name: 'linked', version: '0.0.1' },
  },
};

// The configured registry is a made-up host (from the tree's .npmrc): no real host name in tests.
const NPMRC = 'registry=https://npm.mirror.invalid/\n';

test('lockfile entries resolved outside the registry, or unpinned, are findings', () => {
  const root = writeTree({ '.npmrc': NPMRC, 'package-lock.json': lock, 'package.json': { name: 'app', version: '1.0.0' } });
  try {
    const all = checkLockfile(root, false) ?? [];
    const got = all.map((f) => `${f.package}:${f.subject}`).sort();
    assert.deepEqual(got, ['dev-git:resolved', 'from-git:resolved', 'other-host:resolved', 'plain-http:resolved', 'unpinned:integrity']);
    assert.ok(all.every((f) => f.rule === 'lockfile-source' && f.file === 'package-lock.json'));
    const prod = (checkLockfile(root, true) ?? []).map((f) => f.package);
    assert.ok(!prod.includes('dev-git'), 'dev entries are out of scope for --prod');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('an installed copy is checked through npm\'s hidden node_modules/.package-lock.json', () => {
  const root = writeTree({ '.npmrc': NPMRC, 'node_modules/.package-lock.json': lock, 'package.json': { name: 'app', version: '1.0.0' } });
  try {
    const f = checkLockfile(root, true) ?? [];
    assert.ok(f.some((x) => x.package === 'from-git' && x.file === 'node_modules/.package-lock.json'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the registry comes from .npmrc; no lockfile means no lockfile check (null, not "clean")', () => {
  const root = writeTree({ '.npmrc': 'registry=https://npm.mirror.invalid/\n', 'package.json': { name: 'app', version: '1.0.0' } });
  try {
    assert.equal(configuredRegistryHost(root), 'npm.mirror.invalid');
    assert.equal(checkLockfile(root, false), null);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
