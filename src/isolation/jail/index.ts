// The kernel jail: run a command with its network denied by the kernel (namespaces, Landlock,
// seccomp with a reporting supervisor — native/jail.c), and report every blocked attempt.
//
//   const caps = probe();                       // per-layer {available, reason}; cached
//   const h = await spawn('node', ['w.js'], { stdio: ['pipe', 'pipe', 'pipe', 'ipc'], allowWrite: [jobDir] });
//   h.events.on('attempt', (a) => ...);         // JailAttempt (or options.onAttempt: nothing missed)
//   h.layers                                    // what is really in force
//   h.kill('SIGTERM'); await h.exited;
export { probe, envFaults, LAYER_NAMES, KERNEL_LAYERS } from './probe.js';
export { spawn } from './spawn.js';
export { JailError, type JailErrorCode } from './errors.js';
export { jailEnv, isDeniedEnvName, TELEMETRY_OPT_OUTS } from './env.js';
export { helperPath, helperBuilt } from './helper.js';
export { readStartTime, hostPidOf } from './proc.js';
export { describeAttempt, describeWho, destinationOf, parseSupervisorLine } from './protocol.js';
export { sandboxExecProfile, sandboxExecArgs } from './macos.js';
export { looksLikeNode, tripwireRegisterPath } from './node-args.js';
export type * from './types.js';
