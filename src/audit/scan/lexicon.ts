// What counts as network capability in JavaScript source: module names, globals, and the
// members of network modules that are pure data (so importing http for STATUS_CODES is told
// apart from importing it to make requests).
import { NETWORK_PROGRAMS, PACKAGE_SIGNATURES, isP2PModule, matchesPattern, type SignatureCategory } from '../../signatures/index.js';

/** Node built-ins that open sockets or resolve names (without the `node:` prefix). */
export const NETWORK_BUILTINS: ReadonlySet<string> = new Set([
  'net', 'tls', 'http', 'https', 'http2', 'dgram', 'dns',
  // Internal aliases that `require()` still accepts.
  '_http_client', '_http_agent', '_http_server', '_tls_wrap',
]);

/** npm packages whose purpose is making network requests. */
export const NETWORK_CLIENT_PACKAGES: ReadonlySet<string> = new Set([
  'undici', 'ws', 'isomorphic-ws', 'node-fetch', 'cross-fetch', 'isomorphic-fetch', 'make-fetch-happen',
  'minipass-fetch', 'axios', 'got', 'request', 'superagent', 'needle', 'phin', 'ky', 'simple-get',
  'follow-redirects', 'http-proxy-agent', 'https-proxy-agent', 'socks-proxy-agent', 'proxy-agent',
  'tunnel-agent', 'agentkeepalive', 'socket.io-client', 'engine.io-client', 'faye-websocket', 'websocket',
  'xmlhttprequest', 'xhr2', 'eventsource', 'http-proxy', '@grpc/grpc-js', 'nodemailer', 'ssh2', 'basic-ftp', 'ftp', 'mqtt',
]);

/** Globals that make requests (or load code) over the network. */
export const NETWORK_GLOBALS: ReadonlySet<string> = new Set([
  'fetch', 'WebSocket', 'XMLHttpRequest', 'EventSource', 'RTCPeerConnection', 'webkitRTCPeerConnection',
  'WebTransport', 'importScripts',
]);

/** Objects through which a global is reached (`globalThis.fetch`, `window.WebSocket`). */
export const GLOBAL_OBJECTS: ReadonlySet<string> = new Set(['globalThis', 'global', 'window', 'self']);

/** Members of network built-ins that are constants or pure functions: no socket, no lookup. */
const PURE_MEMBERS: Record<string, ReadonlySet<string>> = {
  http: new Set(['STATUS_CODES', 'METHODS', 'validateHeaderName', 'validateHeaderValue', 'maxHeaderSize']),
  https: new Set(['STATUS_CODES', 'METHODS']),
  net: new Set(['isIP', 'isIPv4', 'isIPv6', 'BlockList', 'SocketAddress']),
  tls: new Set(['DEFAULT_MIN_VERSION', 'DEFAULT_MAX_VERSION', 'DEFAULT_ECDH_CURVE', 'DEFAULT_CIPHERS', 'getCiphers', 'rootCertificates', 'checkServerIdentity']),
  http2: new Set(['constants', 'sensitiveHeaders', 'getDefaultSettings', 'getPackedSettings', 'getUnpackedSettings']),
};

export function isPureMember(builtin: string, member: string): boolean {
  return PURE_MEMBERS[builtin]?.has(member) ?? false;
}

/** Native bindings behind the network modules (`process.binding('tcp_wrap')`). */
export const NETWORK_BINDINGS: ReadonlySet<string> = new Set(['tcp_wrap', 'udp_wrap', 'tls_wrap', 'cares_wrap', 'stream_wrap', 'js_udp_wrap', 'quic']);

export const CHILD_PROCESS_CALLS: ReadonlySet<string> = new Set(['exec', 'execSync', 'execFile', 'execFileSync', 'spawn', 'spawnSync', 'fork']);

/** Names under which bundlers and authors call `require`. */
export const REQUIRE_NAMES: ReadonlySet<string> = new Set(['require', '__require', '__non_webpack_require__', 'nodeRequire', '_require']);

const NETWORK_PROGRAM_SET: ReadonlySet<string> = new Set(NETWORK_PROGRAMS);

/** `node:dns/promises` → `dns`; `@scope/pkg/sub` → `@scope/pkg`; relative paths → null. */
export function moduleRoot(specifier: string): string | null {
  let s = specifier;
  if (s.startsWith('node:')) s = s.slice(5);
  if (!s || s.startsWith('.') || s.startsWith('/') || /^[a-z]+:/i.test(s)) return null;
  const parts = s.split('/');
  return s.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

export type SpecifierKind = 'network-builtin' | 'network-package' | 'p2p' | 'signature' | 'child_process' | null;

// The pre-filter classifies every quoted string of every file: the same few thousand strings
// over and over, so the answers are remembered.
const kindCache = new Map<string, SpecifierKind>();

export function classifySpecifier(specifier: string): SpecifierKind {
  let kind = kindCache.get(specifier);
  if (kind === undefined) {
    kind = classifyUncached(specifier);
    if (kindCache.size < 200_000) kindCache.set(specifier, kind);
  }
  return kind;
}

function classifyUncached(specifier: string): SpecifierKind {
  const root = moduleRoot(specifier);
  if (!root) return null;
  if (NETWORK_BUILTINS.has(root)) return 'network-builtin';
  if (root === 'child_process') return 'child_process';
  if (isP2PModule(root)) return 'p2p';
  if (NETWORK_CLIENT_PACKAGES.has(root)) return 'network-package';
  if (signatureOf(root)) return 'signature';
  return null;
}

/** The signature (telemetry, update check, …) a package name matches, if any. */
export function signatureOf(pkg: string): { category: SignatureCategory; pattern: string; why: string } | null {
  for (const s of PACKAGE_SIGNATURES) if (matchesPattern(pkg, s.pattern)) return s;
  return null;
}

/** The network program a command string starts, if any (`/usr/bin/curl -s …` → `curl`). */
export function networkProgramIn(command: string): string | null {
  const first = command.trim().split(/\s+/)[0] ?? '';
  const base = first.split('/').pop() ?? '';
  return NETWORK_PROGRAM_SET.has(base) ? base : null;
}
