// Public face of the reachability analysis: from the project's entry points into its
// dependencies, which files can actually be loaded.
export { computeReachability, type Reachability, type ReachPackage } from './graph.js';
export { defaultEntries, explicitEntries } from './entries.js';
export { clearResolveCache, exportsTargets, resolveSpecifier } from './resolve.js';
export { fileLoads } from './specifiers.js';
