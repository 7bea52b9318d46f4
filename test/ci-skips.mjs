// The only skips CI accepts. `scripts/test.mjs` reads every skipped test from the run's TAP
// report; under CI=true a skip that no entry below matches fails the run. CI runs as root and
// installs every tool the suite needs, so a skip there is nearly always a broken set-up that
// would otherwise pass silently. Each entry says why it is legitimate.
//
//   test:   matched against the skipped test's name
//   reason: matched against its skip message
//   when:   (nodeMajor) => boolean — the entry applies only when this is true
//   why:    for the reader of this file
export const CI_SKIP_ALLOWLIST = [
  {
    // Node's permission model (`--permission` without `--allow-net`) exists from Node 25; CI
    // runs the suite on Node 26 (where it runs) and again on Node 22 (the oldest supported).
    test: /node-permission|permission model/i,
    reason: /this Node lacks it|needs Node (>=|≥) ?25/i,
    when: (nodeMajor) => nodeMajor < 25,
    why: 'the Node permission-model layer does not exist before Node 25',
  },
];
