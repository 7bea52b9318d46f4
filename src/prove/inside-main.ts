// Entry of the orchestrator INSIDE the trap's jail-side namespaces (started by launch.ts under
// `unshare`): runs the scenario and writes the report to the plan's result file.
import { readFileSync } from 'node:fs';
import { runScenario } from './scenario.js';
import type { TrapPlan } from './types.js';

const plan = JSON.parse(readFileSync(String(process.argv[2]), 'utf8')) as TrapPlan;
// The outer command is gone (killed, or its terminal closed): stop, and take the trap down with us.
process.on('disconnect', () => process.exit(1));
const deadline = setTimeout(() => {
  process.stderr.write(`hermetic prove: the run took longer than ${plan.deadlineMs} ms; stopping\n`);
  process.exit(1);
}, plan.deadlineMs);
runScenario(plan).then(
  () => { clearTimeout(deadline); process.exit(0); },
  (e: unknown) => { process.stderr.write(`hermetic prove: ${(e as Error).stack ?? String(e)}\n`); process.exit(1); },
);
