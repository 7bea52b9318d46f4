// Test-only switches of the trap itself (documented in docs/security/verifying.md as such): they
// exist so the test suite can show that the proof notices a broken trap. Whenever one is set,
// the report says so in its warnings — a run with a knob set is never a proof for a user.
//   HERMETIC_PROVE_FAULT=blind-recorder   the recorder listens on the world's loopback instead of
//                                         the veth: it sees nothing, so the verdict must be "void"
//   HERMETIC_PROVE_CATCH_ALL=nft|iptables|none   which rule set redirects TCP (default: auto)
import type { CatchAllMode } from './trap.js';

export interface TestKnobs { blindRecorder: boolean; catchAll: CatchAllMode; warnings: string[] }

export function testKnobs(env: NodeJS.ProcessEnv = process.env): TestKnobs {
  const warnings: string[] = [];
  const fault = env.HERMETIC_PROVE_FAULT ?? '';
  const blindRecorder = fault === 'blind-recorder';
  if (fault) warnings.push(`HERMETIC_PROVE_FAULT=${fault}: the trap is broken ON PURPOSE (test-only switch)${blindRecorder ? '' : ' — unknown value, ignored'}`);
  const raw = env.HERMETIC_PROVE_CATCH_ALL ?? '';
  const catchAll: CatchAllMode = raw === 'nft' || raw === 'iptables' || raw === 'none' ? raw : 'auto';
  if (raw) warnings.push(`HERMETIC_PROVE_CATCH_ALL=${raw}: the TCP catch-all is chosen by a test-only switch${catchAll === 'auto' ? ' — unknown value, ignored' : ''}`);
  return { blindRecorder, catchAll, warnings };
}
