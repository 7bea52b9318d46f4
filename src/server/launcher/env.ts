// The variables the paranoid launcher hands to the jailed server. One place, so both sides agree.
export const PARANOID_ENV = {
  /** The inherited, already-bound listening socket (read by server/start.ts). */
  listenFd: 'HERMETIC_LISTEN_FD',
  /** Set to 1 in the jailed server: "you are the launcher's child, do not launch again". */
  child: 'HERMETIC_PARANOID_CHILD',
  /** A pipe on which the launcher forwards the seccomp supervisor's reports (JSON lines). */
  reportFd: 'HERMETIC_LAUNCHER_REPORT_FD',
  /** The launcher's network namespace (net:[inode]), for process.self. */
  netns: 'HERMETIC_LAUNCHER_NETNS',
  /** The launcher's jail.canary result (the jailed server cannot open a canary listener). */
  canary: 'HERMETIC_LAUNCHER_CANARY',
} as const;

/** Descriptor numbers in the jailed server (0-2 are stdio). */
export const LISTEN_FD = 3;
export const REPORT_FD = 4;
