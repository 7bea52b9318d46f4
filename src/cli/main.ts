#!/usr/bin/env node
// `hermetic` entry point. It checks the runtime before anything else is loaded: on an older
// Node the real modules fail with obscure errors (`node:sqlite` missing, syntax), so this file
// imports nothing statically and says plainly what is needed.
import { runtimeProblem } from './runtime.js';

const problem = runtimeProblem(process.versions.node);
if (problem) {
  console.error(`hermetic: ${problem}`);
  process.exit(1);
}
const { runCli } = await import('./dispatch.js');
runCli(process.argv.slice(2));
