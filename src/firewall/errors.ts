// Bad input to a generator: a stable code and a message naming what to fix. The CLI turns it
// into exit code 2 (usage/config error).
export class FirewallInputError extends Error {
  readonly code = 'FIREWALL_INPUT_INVALID';
  readonly exitCode = 2;
}
