// The one list of package signatures, shared by the tripwire (which refuses to load P2P
// modules) and the dependency audit (which reports every package that matches). Data only.
// A pattern ending in `/*` matches a whole npm scope; `*-telemetry` matches a suffix.

export type SignatureCategory = 'p2p' | 'telemetry' | 'update_check' | 'connectivity_probe' | 'runtime_download';

export interface PackageSignature {
  pattern: string;
  category: SignatureCategory;
  why: string;
}

/** WebRTC / P2P / LAN discovery modules: never loaded, never shipped. */
export const P2P_MODULES: readonly string[] = [
  'wrtc', '@roamhq/wrtc', 'node-datachannel', 'werift', 'simple-peer', 'peerjs', 'trystero',
  'y-webrtc', 'mediasoup', 'libp2p', '@libp2p/*', 'helia', 'webtorrent', 'bittorrent-dht',
  'bittorrent-tracker', 'hyperswarm', 'hyperdht', '@hyperswarm/*', 'gun', 'multicast-dns',
  'bonjour-service', 'nat-api', 'nat-upnp', 'stun',
];

export const PACKAGE_SIGNATURES: readonly PackageSignature[] = [
  ...P2P_MODULES.map((pattern) => ({ pattern, category: 'p2p' as const, why: 'WebRTC / P2P / discovery' })),
  { pattern: 'posthog-*', category: 'telemetry', why: 'product analytics (PostHog)' },
  { pattern: '@segment/*', category: 'telemetry', why: 'analytics (Segment)' },
  { pattern: 'analytics-node', category: 'telemetry', why: 'analytics (Segment)' },
  { pattern: 'mixpanel', category: 'telemetry', why: 'analytics (Mixpanel)' },
  { pattern: 'universal-analytics', category: 'telemetry', why: 'Google Analytics client' },
  { pattern: 'insight', category: 'telemetry', why: 'usage tracking (Yeoman insight)' },
  { pattern: '@sentry/*', category: 'telemetry', why: 'crash reporting (Sentry)' },
  { pattern: 'applicationinsights', category: 'telemetry', why: 'telemetry (Azure Application Insights)' },
  { pattern: '@opentelemetry/exporter-*', category: 'telemetry', why: 'telemetry exporter' },
  { pattern: '@scarf/scarf', category: 'telemetry', why: 'install analytics (Scarf)' },
  { pattern: 'checkpoint-client', category: 'telemetry', why: 'version/telemetry checkpoint (Prisma)' },
  { pattern: '*-telemetry', category: 'telemetry', why: 'telemetry by name' },
  { pattern: 'update-notifier', category: 'update_check', why: 'update check against the registry' },
  { pattern: 'simple-update-notifier', category: 'update_check', why: 'update check against the registry' },
  { pattern: 'update-check', category: 'update_check', why: 'update check against the registry' },
  { pattern: 'tiny-updater', category: 'update_check', why: 'update check against the registry' },
  { pattern: 'latest-version', category: 'update_check', why: 'queries the registry for the latest version' },
  { pattern: 'package-json', category: 'update_check', why: 'fetches package metadata from the registry' },
  { pattern: 'registry-url', category: 'update_check', why: 'registry lookups (update checks)' },
  { pattern: 'is-online', category: 'connectivity_probe', why: 'connectivity probe to public hosts' },
  { pattern: 'public-ip', category: 'connectivity_probe', why: 'asks a public service for our IP' },
  // Added for the dependency audit (issue 8): more telemetry clients and probes, and packages
  // that download binaries or browsers at install or run time.
  { pattern: '@bugsnag/*', category: 'telemetry', why: 'crash reporting (Bugsnag)' },
  { pattern: 'rollbar', category: 'telemetry', why: 'crash reporting (Rollbar)' },
  { pattern: 'raven', category: 'telemetry', why: 'crash reporting (legacy Sentry client)' },
  { pattern: 'newrelic', category: 'telemetry', why: 'APM agent (New Relic)' },
  { pattern: 'dd-trace', category: 'telemetry', why: 'APM tracer (Datadog)' },
  { pattern: 'elastic-apm-node', category: 'telemetry', why: 'APM agent (Elastic)' },
  { pattern: '@amplitude/*', category: 'telemetry', why: 'product analytics (Amplitude)' },
  { pattern: 'is-reachable', category: 'connectivity_probe', why: 'connects to hosts to test reachability' },
  { pattern: 'internet-available', category: 'connectivity_probe', why: 'DNS lookup of a public host to test connectivity' },
  { pattern: 'prebuild-install', category: 'runtime_download', why: 'downloads prebuilt native binaries from GitHub releases at install time' },
  { pattern: 'node-pre-gyp', category: 'runtime_download', why: 'downloads prebuilt native binaries at install time' },
  { pattern: '@mapbox/node-pre-gyp', category: 'runtime_download', why: 'downloads prebuilt native binaries at install time' },
  { pattern: 'puppeteer', category: 'runtime_download', why: 'downloads a browser build at install time' },
  { pattern: 'electron', category: 'runtime_download', why: 'downloads the Electron binary at install time' },
  { pattern: 'chromedriver', category: 'runtime_download', why: 'downloads a driver binary at install time' },
  { pattern: 'geckodriver', category: 'runtime_download', why: 'downloads a driver binary at install time' },
  { pattern: 'ffmpeg-static', category: 'runtime_download', why: 'downloads an ffmpeg binary at install time' },
  { pattern: 'node-sass', category: 'runtime_download', why: 'downloads a native binding at install time' },
  { pattern: 'cypress', category: 'runtime_download', why: 'downloads the Cypress app at install time' },
  { pattern: '@huggingface/transformers', category: 'runtime_download', why: 'fetches models from the Hugging Face hub at run time (allowRemoteModels defaults to true)' },
  { pattern: '@xenova/transformers', category: 'runtime_download', why: 'fetches models from the Hugging Face hub at run time (allowRemoteModels defaults to true)' },
  { pattern: '@huggingface/hub', category: 'runtime_download', why: 'Hugging Face hub client: downloads models and files' },
];

/** Command-line programs whose only job is the network; the tripwire refuses to spawn them. */
export const NETWORK_PROGRAMS: readonly string[] = [
  'curl', 'wget', 'nc', 'ncat', 'netcat', 'socat', 'ssh', 'scp', 'sftp', 'rsync', 'ftp', 'telnet',
  'ping', 'ping6', 'dig', 'nslookup', 'host', 'drill',
];

/** Match a package name against a signature pattern (`@scope/*`, `prefix-*`, `*-suffix`, exact). */
export function matchesPattern(name: string, pattern: string): boolean {
  if (pattern === name) return true;
  if (pattern.startsWith('*')) return name.endsWith(pattern.slice(1));
  if (pattern.endsWith('*')) return name.startsWith(pattern.slice(0, -1));
  return false;
}

export function isP2PModule(specifier: string): boolean {
  // `simple-peer/lib/x` and `@libp2p/tcp/dist/y` count as the package.
  const parts = specifier.split('/');
  const pkg = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? '');
  return P2P_MODULES.some((p) => matchesPattern(pkg, p));
}
