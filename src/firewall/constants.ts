// Names that the generated rules and the loaded-rules check must agree on. Changing one of
// them makes rules loaded by an older version invisible to `--check`: don't, or read both.

/** nftables: `table inet hermetic` (a table of its own, never another's). */
export const NFT_TABLE = 'hermetic';
export const NFT_CHAIN = 'output';
/** iptables/ip6tables: the chain Hermetic's uid is sent through from OUTPUT. */
export const IPT_CHAIN = 'HERMETIC-OUT';
/** Prefix of every kernel log line (journalctl -k | grep hermetic-drop). */
export const LOG_PREFIX = 'hermetic-drop: ';
/** Windows Firewall rule group, so that removal is one command. */
export const WINDOWS_GROUP = 'Hermetic';
/** pf anchor name. */
export const PF_ANCHOR = 'hermetic';
/** Default dedicated user for systemd/docker set-ups. */
export const DEFAULT_SERVICE_USER = 'hermetic';
/** Kernel log rate limit, so a violator in a loop cannot flood the journal. */
export const LOG_RATE = { perMinute: 10, burst: 5 } as const;
