// macOS fallback: a sandbox-exec (Seatbelt) profile that denies all network. Generated and
// unit-tested as text here; the probe reports it as "not verified on this platform" until a
// canary has passed on a Mac.

/** Seatbelt strings are double-quoted; escape backslashes and quotes. */
function sbString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export interface SandboxProfileOptions {
  /** Folders the process may write; everything else is read-only. */
  allowWrite?: string[];
}

export function sandboxExecProfile(options: SandboxProfileOptions = {}): string {
  const writes = (options.allowWrite ?? []).map((d) => `    (subpath ${sbString(d)})`);
  return [
    '(version 1)',
    '; Hermetic: everything is allowed except the network and writes outside the job folders.',
    '(allow default)',
    '; every socket operation towards the network, inbound or outbound, by IP or unix path',
    '(deny network*)',
    '(deny network-outbound)',
    '(deny network-inbound)',
    '(deny network-bind)',
    '; name resolution goes through mDNSResponder over a unix socket: deny the lookup service too',
    '(deny mach-lookup (global-name "com.apple.dnssd.service"))',
    '(deny mach-lookup (global-name "com.apple.SystemConfiguration.DNSConfiguration"))',
    '(deny mach-lookup (global-name "com.apple.nsurlsessiond"))',
    '(deny file-write*)',
    '(allow file-write*',
    '    (literal "/dev/null")',
    '    (literal "/dev/zero")',
    ...writes,
    ')',
    '',
  ].join('\n');
}

/** argv prefix to run a command under the profile: sandbox-exec -p PROFILE -- COMMAND... */
export function sandboxExecArgs(profile: string): string[] {
  return ['/usr/bin/sandbox-exec', '-p', profile];
}
