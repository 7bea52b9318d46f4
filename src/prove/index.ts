// `hermetic prove`: a proof of zero egress that any user can run on their own machine. A trap
// (network namespace whose only way out is a recorded veth to a fake internet that answers
// everything) runs the real server, a conversion of every family, a hostile converter and the
// same attempts under `hermetic run`; the frames decide. See docs/security/verifying.md.
//
//   const report = await prove({ config, keep: false });   // ProveReport
//   renderText(report); exitCodeOf(report);
export { prove, type ProveOptions } from './launch.js';
export { renderText, exitCodeOf } from './report.js';
export { TRAP } from './types.js';
export type * from './types.js';
