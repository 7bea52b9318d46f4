// The environment of every jailed child is an allow-list: the host's variables are dropped
// unless named here, proxy/preload/injection variables are dropped even when the caller
// passes them, and the known telemetry opt-outs are set.

/** Host variables a program reasonably needs (locale, paths, terminal). */
const ALLOWED = new Set([
  'PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LANGUAGE', 'TZ', 'TERM', 'COLORTERM',
  'NO_COLOR', 'FORCE_COLOR', 'TMPDIR', 'TMP', 'TEMP', 'SYSTEMROOT',
]);
const ALLOWED_PREFIXES = ['LC_'];

/**
 * Never passed, whatever their source: they route traffic (proxies), inject code into every
 * process (preload, NODE_OPTIONS, BASH_ENV...), or cost start-up time for nothing
 * (NODE_EXTRA_CA_CERTS, ~80 ms per Node start).
 */
const DENIED = /^(https?_proxy|all_proxy|no_proxy|ftp_proxy|socks_proxy|rsync_proxy|node_options|node_extra_ca_certs|node_path|node_repl_external_module|ld_.*|dyld_.*|bash_env|env|perl5opt|perl5lib|rubyopt|pythonstartup|pythoninspect|java_tool_options|_java_options|jdk_java_options|git_ssh_command|git_proxy_command|ssl_cert_file|ssl_cert_dir|curl_ca_bundle|requests_ca_bundle)$/i;

/** Telemetry and update-check opt-outs honoured by common tools and libraries. */
export const TELEMETRY_OPT_OUTS: Readonly<Record<string, string>> = {
  DO_NOT_TRACK: '1',
  NEXT_TELEMETRY_DISABLED: '1',
  NUXT_TELEMETRY_DISABLED: '1',
  GATSBY_TELEMETRY_DISABLED: '1',
  ASTRO_TELEMETRY_DISABLED: '1',
  STORYBOOK_DISABLE_TELEMETRY: '1',
  DOTNET_CLI_TELEMETRY_OPTOUT: '1',
  POWERSHELL_TELEMETRY_OPTOUT: '1',
  AZURE_CORE_COLLECT_TELEMETRY: '0',
  SAM_CLI_TELEMETRY: '0',
  HOMEBREW_NO_ANALYTICS: '1',
  SCARF_ANALYTICS: 'false',
  CHECKPOINT_DISABLE: '1',
  HF_HUB_OFFLINE: '1',
  HF_HUB_DISABLE_TELEMETRY: '1',
  TRANSFORMERS_OFFLINE: '1',
  NO_UPDATE_NOTIFIER: '1',
  NPM_CONFIG_UPDATE_NOTIFIER: 'false',
  NPM_CONFIG_OFFLINE: 'true',
  NPM_CONFIG_AUDIT: 'false',
  NPM_CONFIG_FUND: 'false',
  DISABLE_OPENCOLLECTIVE: '1',
  ADBLOCK: '1',
  PUPPETEER_SKIP_DOWNLOAD: '1',
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1',
  ELECTRON_SKIP_BINARY_DOWNLOAD: '1',
  PIP_NO_INDEX: '1',
  PIP_DISABLE_PIP_VERSION_CHECK: '1',
};

export function isDeniedEnvName(name: string): boolean {
  return DENIED.test(name);
}

/** Build the child's environment from the host's (filtered) plus the caller's extras. */
export function jailEnv(host: NodeJS.ProcessEnv, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(host)) {
    if (v === undefined || isDeniedEnvName(k)) continue;
    if (ALLOWED.has(k) || ALLOWED_PREFIXES.some((p) => k.startsWith(p))) env[k] = v;
  }
  for (const [k, v] of Object.entries(extra)) if (!isDeniedEnvName(k)) env[k] = v;
  // Opt-outs last: a caller cannot switch telemetry back on through `extra`.
  Object.assign(env, TELEMETRY_OPT_OUTS);
  return env;
}
