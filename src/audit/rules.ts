// Every rule the audit applies: its id, default level and a one-line explanation. The SARIF
// report lists these as `tool.driver.rules`; the table report prints the explanation.
import type { FindingLevel, RuleId } from './types.js';

export interface RuleInfo {
  id: RuleId;
  level: FindingLevel;
  title: string;
  help: string;
}

const RULE_LIST: readonly RuleInfo[] = [
  { id: 'signature/p2p', level: 'error', title: 'P2P / WebRTC / discovery package', help: 'The package (or a module its code loads) is on the shared P2P signature list; such code opens peer connections or multicasts on the LAN.' },
  { id: 'signature/telemetry', level: 'error', title: 'Telemetry package', help: 'The package (or a module its code loads) is on the telemetry signature list: it exists to send usage or crash data somewhere.' },
  { id: 'signature/update_check', level: 'error', title: 'Update-check package', help: 'The package (or a module its code loads) asks a registry for newer versions: a network request at run time.' },
  { id: 'signature/connectivity_probe', level: 'error', title: 'Connectivity probe', help: 'The package (or a module its code loads) contacts public hosts to see whether the machine is online.' },
  { id: 'signature/runtime_download', level: 'error', title: 'Downloader package', help: 'The package (or a module its code loads) downloads binaries or browsers at install or run time.' },
  { id: 'install-script', level: 'warning', title: 'Install-time script', help: 'npm runs preinstall/install/postinstall (or an implicit node-gyp rebuild for binding.gyp) with the user\'s rights at install time.' },
  { id: 'runtime-download', level: 'error', title: 'Download at install or run time', help: 'The install script or package.json points at a binary download (prebuild-install, node-pre-gyp, curl, wget).' },
  { id: 'native-addon', level: 'warning', title: 'Native addon', help: 'Compiled code (.node addons, shared libraries, ELF/Mach-O/PE executables, binding.gyp) is invisible to the JavaScript tripwire; only the kernel layers stop it.' },
  { id: 'network-module', level: 'warning', title: 'Network module imported', help: 'The code imports a module that can open sockets or make requests (net, tls, http(s), http2, dgram, dns, or an HTTP client package).' },
  { id: 'network-module-metadata', level: 'note', title: 'Network module used for constants only', help: 'The module is imported but only constants or validators (e.g. http.STATUS_CODES, net.isIP) are used.' },
  { id: 'network-global', level: 'warning', title: 'Network global used', help: 'The code uses fetch, WebSocket, XMLHttpRequest, EventSource, RTCPeerConnection, navigator.sendBeacon or importScripts.' },
  { id: 'network-program', level: 'error', title: 'Network program spawned', help: 'The code starts a command-line network tool (curl, wget, nc, ssh, …) through child_process.' },
  { id: 'p2p-import', level: 'error', title: 'P2P module imported', help: 'The code imports a module on the P2P signature list (the tripwire refuses to load it).' },
  { id: 'child-process', level: 'note', title: 'child_process imported', help: 'The code can start programs; the tripwire refuses network programs, the jail covers the rest.' },
  { id: 'dynamic-require', level: 'note', title: 'Dynamic require/import', help: 'A module is loaded by a computed name, which static analysis cannot follow.' },
  { id: 'dynamic-code', level: 'note', title: 'Dynamic code', help: 'eval or new Function: code built at run time, which static analysis cannot follow.' },
  { id: 'parse-failure', level: 'note', title: 'File could not be parsed', help: 'Neither module nor script parsing succeeded; only the lexical rules were applied.' },
  { id: 'lexical-scan', level: 'note', title: 'File too large to parse', help: 'The file exceeds the parse size limit; only the lexical rules were applied.' },
  { id: 'lockfile-source', level: 'warning', title: 'Lockfile entry not from the registry', help: 'package-lock.json resolves the package from git, plain http or another host, or has no integrity hash: npm ci would download it from elsewhere or unpinned.' },
  { id: 'missing-dependency', level: 'note', title: 'Dependency not installed', help: 'A declared, non-optional dependency could not be resolved from the package folder. For a direct dependency of the audited project this is a warning: what is not installed cannot be audited.' },
  { id: 'hardcoded-host', level: 'error', title: 'Hard-coded analytics / CDN / registry / model-hub / update host', help: 'A string literal names a host of a known group (subject group:host): analytics means telemetry, a registry or update server means an update check, a CDN or model hub means a runtime download.' },
  { id: 'host-in-comment', level: 'note', title: 'Known host named in a comment or prose', help: 'A host of a known group appears outside a string literal (comment, documentation, message text): information only.' },
  { id: 'p2p-url', level: 'error', title: 'P2P URL', help: 'A stun:, turn:, magnet: or udp:// URL literal: WebRTC ICE servers, torrents or UDP trackers.' },
  { id: 'telemetry-optout-env', level: 'error', title: 'Telemetry opt-out variable read', help: 'The code reads DO_NOT_TRACK, *_TELEMETRY_DISABLED, NO_UPDATE_NOTIFIER, CHECKPOINT_DISABLE or the like: a package that honours one almost surely has telemetry or an update check.' },
  { id: 'dynamic-access', level: 'warning', title: 'Global reached by a computed name', help: 'globalThis[…] / window[…] with a computed key (e.g. globalThis[\'fe\'+\'tch\']): a way to hide a network call from static analysis.' },
  { id: 'runtime-download-default', level: 'error', title: 'Remote download enabled by default', help: 'A library default that fetches models or code at run time (e.g. transformers.js, whose allowRemoteModels defaults to true): the download happens unless every caller turns it off.' },
];

export const RULES: ReadonlyMap<RuleId, RuleInfo> = new Map(RULE_LIST.map((r) => [r.id, r]));
export const RULE_IDS: readonly RuleId[] = RULE_LIST.map((r) => r.id);

export function ruleInfo(id: RuleId): RuleInfo {
  const r = RULES.get(id);
  if (!r) throw new Error(`unknown audit rule ${id}`);
  return r;
}
