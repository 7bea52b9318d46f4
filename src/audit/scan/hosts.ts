// Lexical rules over the whole text: hard-coded hosts by group (analytics, CDN, package
// registry, model hub, update server), P2P URLs (stun:, turn:, magnet:, udp://) and the
// telemetry opt-out variables a package reads (a package that reads one almost surely has
// telemetry). A URL that opens a string literal is code; one elsewhere (a comment, prose
// inside a message) is reported as information.
import type { RawFinding } from './raw.js';

export type HostGroup = 'analytics' | 'cdn' | 'package-registry' | 'model-hub' | 'update-server';

// Suffix match: 'posthog.com' covers us.i.posthog.com.
const GROUPS: ReadonlyArray<[HostGroup, readonly string[]]> = [
  ['analytics', ['posthog.com', 'segment.io', 'segment.com', 'mixpanel.com', 'google-analytics.com', 'analytics.google.com',
    'googletagmanager.com', 'doubleclick.net', 'sentry.io', 'amplitude.com', 'bugsnag.com', 'rollbar.com', 'datadoghq.com',
    'datadoghq.eu', 'newrelic.com', 'nr-data.net', 'applicationinsights.azure.com', 'dc.services.visualstudio.com',
    'plausible.io', 'scarf.sh', 'heap.io', 'hotjar.com', 'fullstory.com', 'logrocket.io', 'honeycomb.io', 'checkpoint.prisma.io']],
  ['cdn', ['cdn.jsdelivr.net', 'fastly.jsdelivr.net', 'unpkg.com', 'cdnjs.cloudflare.com', 'esm.sh', 'cdn.skypack.dev',
    'ajax.googleapis.com', 'tessdata.projectnaptha.com', 'esm.run', 'ga.jspm.io']],
  ['package-registry', ['registry.npmjs.org', 'registry.yarnpkg.com', 'registry.npmmirror.com', 'npm.pkg.github.com', 'pypi.org', 'crates.io']],
  ['model-hub', ['huggingface.co', 'hf.co', 'tfhub.dev', 'kaggle.com', 'ollama.com', 'modelscope.cn', 'replicate.com']],
  ['update-server', ['update.electronjs.org', 'versioncheck.', 'checkpoint.hashicorp.com', 'update-check.', 'updates.']],
];

export function hostGroup(host: string): HostGroup | null {
  const h = host.toLowerCase();
  for (const [group, list] of GROUPS) {
    for (const s of list) {
      if (s.endsWith('.') ? h.startsWith(s) : h === s || h.endsWith(`.${s}`)) return group;
    }
  }
  return null;
}

const URL_ANY = /(['"`]?)(?:https?|wss?):\/\/([A-Za-z0-9.-]+\.[A-Za-z]{2,})/g;
const P2P_URL = /(['"`])(stun|turns?|magnet):|(['"`])udp:\/\//g;
const OPTOUT = /\b(DO_NOT_TRACK|NO_UPDATE_NOTIFIER|CHECKPOINT_DISABLE|[A-Z][A-Z0-9_]*_TELEMETRY_(?:DISABLED?|OPTOUT|OPT_OUT)|[A-Z][A-Z0-9_]*_DISABLE_TELEMETRY)\b/g;

class LineIndex {
  private starts: number[] | null = null;
  constructor(private readonly text: string) {}
  at(offset: number): { line: number; column: number } {
    if (!this.starts) {
      this.starts = [0];
      for (let i = this.text.indexOf('\n'); i !== -1; i = this.text.indexOf('\n', i + 1)) this.starts.push(i + 1);
    }
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] as number) <= offset) lo = mid; else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (this.starts[lo] as number) + 1 };
  }
}

/** One finding per rule and subject (first location, with a count). */
export function hostFindings(text: string): RawFinding[] {
  const lines = new LineIndex(text);
  const found = new Map<string, RawFinding>();
  const add = (f: Omit<RawFinding, 'line' | 'column' | 'count'>, offset: number): void => {
    const key = `${f.rule}\0${f.subject ?? ''}`;
    const prev = found.get(key);
    if (prev) { prev.count = (prev.count ?? 1) + 1; return; }
    found.set(key, { ...f, ...lines.at(offset), count: 1 });
  };
  URL_ANY.lastIndex = 0;
  for (let m = URL_ANY.exec(text); m; m = URL_ANY.exec(text)) {
    const host = (m[2] as string).toLowerCase();
    const group = hostGroup(host);
    if (!group) continue;
    if (m[1]) add({ rule: 'hardcoded-host', subject: `${group}:${host}`, message: `hard-coded ${group} host '${host}'` }, m.index);
    else add({ rule: 'host-in-comment', subject: `${group}:${host}`, message: `${group} host '${host}' named outside a string literal (comment or prose)` }, m.index);
  }
  P2P_URL.lastIndex = 0;
  for (let m = P2P_URL.exec(text); m; m = P2P_URL.exec(text)) {
    const scheme = m[2] ?? 'udp';
    add({ rule: 'p2p-url', subject: scheme, message: `${scheme}: URL literal (WebRTC/torrent/UDP peer address)` }, m.index);
  }
  OPTOUT.lastIndex = 0;
  for (let m = OPTOUT.exec(text); m; m = OPTOUT.exec(text)) {
    add({ rule: 'telemetry-optout-env', subject: m[1] as string, message: `reads the telemetry/update opt-out variable ${m[1] as string}` }, m.index);
  }
  return [...found.values()];
}
