// A host-side loopback canary for tests: the same listener the verifier's jail.canary check uses
// (TCP and UDP, counting every connection and datagram). A blocking test asserts its error AND
// that the canary saw nothing — the positive control that turns "it failed somehow" into
// "it was stopped before it reached anything".
export {
  startCanaryListener as startCanary,
  settle,
  type CanaryListener as Canary,
} from '../../src/isolation/verify/canary/listener.js';
