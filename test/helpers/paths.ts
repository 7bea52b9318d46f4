// Paths tests need: the repository root (tests run from dist/test/...), fixtures, the CLI.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root not found');
    dir = up;
  }
  return dir;
}

export const repoRoot = findRoot();
export const fixturesDir = join(repoRoot, 'test', 'fixtures');
export const cliPath = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
/** The Node binary under test (scripts/test.mjs --node PATH), default the current one. */
export const testNode = process.env.HERMETIC_TEST_NODE || process.execPath;
/** True when scripts/test.mjs put the whole run inside a fresh offline network namespace. */
export const inOfflineNetns = process.env.HERMETIC_TEST_IN_NETNS === '1';
export const isRoot = process.getuid?.() === 0;
