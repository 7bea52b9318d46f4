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
const P2P_HINT = /stun:|turns?:|magnet:|udp:\/\//;
const P2P_URL = /(['"`])(stun|turns?|magnet):|(['"`])udp:\/\//g;
// Read from the environment (env.X, env['X']) or named as a whole string literal ('X', as in
// getEnv('X') or a destructuring helper); a mention in prose or a comment is not a read.
const OPTOUT_NAME = 'DO_NOT_TRACK|NO_UPDATE_NOTIFIER|CHECKPOINT_DISABLE|[A-Z][A-Z0-9_]*_TELEMETRY_(?:DISABLED?|OPTOUT|OPT_OUT)|[A-Z][A-Z0-9_]*_DISABLE_TELEMETRY';
// Library defaults that download at run time: transformers.js turning allowRemoteModels on.
const REMOTE_DEFAULT = /\b(allowRemoteModels)\s*[:=]\s*(?:true|!0)\b/g;
const OPTOUT_HINT = /TELEMETRY|DO_NOT_TRACK|NO_UPDATE_NOTIFIER|CHECKPOINT_DISABLE/;
const OPTOUT = new RegExp(`\\benv\\s*(?:\\.\\s*|\\[\\s*['"\`])(${OPTOUT_NAME})\\b|['"\`](${OPTOUT_NAME})['"\`]|\\{[^{}]{0,200}\\b(${OPTOUT_NAME})\\b[^{}]{0,200}\\}\\s*=\\s*process\\.env`, 'g');

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
  // Cheap substring checks first: the full patterns are costly over 100 MB of code.
  const p2p = P2P_HINT.test(text);
  P2P_URL.lastIndex = p2p ? 0 : text.length;
  for (let m = P2P_URL.exec(text); m; m = P2P_URL.exec(text)) {
    const scheme = m[2] ?? 'udp';
    add({ rule: 'p2p-url', subject: scheme, message: `${scheme}: URL literal (WebRTC/torrent/UDP peer address)` }, m.index + 1);
  }
  const optout = OPTOUT_HINT.test(text);
  OPTOUT.lastIndex = optout ? 0 : text.length;
  for (let m = OPTOUT.exec(text); m; m = OPTOUT.exec(text)) {
    const name = (m[1] ?? m[2] ?? m[3]) as string;
    add({ rule: 'telemetry-optout-env', subject: name, message: `reads the telemetry/update opt-out variable ${name}` }, m.index + m[0].indexOf(name));
  }
  REMOTE_DEFAULT.lastIndex = text.includes('allowRemoteModels') ? 0 : text.length;
  for (let m = REMOTE_DEFAULT.exec(text); m; m = REMOTE_DEFAULT.exec(text)) {
    add({ rule: 'runtime-download-default', subject: m[1] as string, message: `${m[0]}: models are fetched from a remote hub unless the caller turns this off` }, m.index);
  }
  return [...found.values()];
}
