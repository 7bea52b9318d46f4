// The runtime gate in front of every CLI command (src/cli/runtime.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runtimeProblem } from '../../src/cli/runtime.js';

test('Node < 22.13 is refused with what to install; 22.13+, 23.4+, 24, 26 are accepted', () => {
  for (const v of ['20.20.2', '18.19.0', '22.12.0', '22.5.1', '23.3.0']) {
    assert.match(runtimeProblem(v) ?? '', new RegExp(`^Node\\.js ${v.replace(/\./g, '\\.')} is not supported: Hermetic needs Node\\.js >= 22\\.13\\.0`), v);
  }
  for (const v of ['22.13.0', '22.23.3', '23.4.0', '24.0.0', '26.10.0', process.versions.node]) assert.equal(runtimeProblem(v), null, v);
});
