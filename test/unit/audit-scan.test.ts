// The code rules of the dependency audit, file by file: ESM and CJS, what is a finding and
// what is only a note, and that the lexical pre-filter never hides a file the AST rules flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanText, hasTrigger, parseSource } from '../../src/audit/scan/index.js';
import type { FileScanOptions, RawFinding } from '../../src/audit/scan/index.js';

const OPTS: FileScanOptions = { prefer: 'script', deep: false, maxParseBytes: 8 * 1048576, reachable: true };

function scan(text: string, opts: Partial<typeof OPTS> = {}): { findings: RawFinding[]; how: string } {
  return scanText(text, Buffer.byteLength(text), { ...OPTS, ...opts }, new Set());
}
const rules = (fs: RawFinding[]): string[] => fs.map((f) => `${f.rule}:${f.subject}`).sort();

test('CJS require of a network builtin is a network-module finding with its line', () => {
  const r = scan("'use strict';\n\nconst https = require('node:https');\nhttps.get('https://x.invalid');\n");
  assert.equal(r.how, 'parsed');
  assert.deepEqual(rules(r.findings), ['network-module:https']);
  assert.equal(r.findings[0]?.line, 3);
  assert.equal(r.findings[0]?.column, 15);
});

test('ESM imports, re-exports and dynamic import of network modules', () => {
  const r = scan("import * as net from 'net';\nexport { request } from 'node:http';\nexport * from 'tls';\nconst d = await import('node:dgram');\nnet.connect(1);\n", { prefer: 'module' });
  assert.deepEqual(rules(r.findings), ['network-module:dgram', 'network-module:http', 'network-module:net', 'network-module:tls']);
});

test('a CJS file that is not a valid module still parses (fallback to script grammar)', () => {
  const src = "with (Math) { x = max(1, 2); }\nreturn require('http').request;\n";
  const p = parseSource(src, 'module');
  assert.equal(p.ok, true);
  assert.equal(p.ok && p.mode, 'script');
  assert.deepEqual(rules(scan(src, { prefer: 'module' }).findings), ['network-module:http']);
});

test('http imported only for STATUS_CODES / net only for isIP is a note, not a finding', () => {
  const cases = [
    "const http = require('http');\nmodule.exports = http.STATUS_CODES;\n",
    "module.exports = require('node:http').METHODS;\n",
    "const { isIP, isIPv6 } = require('net');\nmodule.exports = isIP;\n",
    "import { STATUS_CODES } from 'node:http';\nexport default STATUS_CODES;\n",
  ];
  for (const src of cases) {
    const r = scan(src, { prefer: 'module' });
    assert.deepEqual(r.findings.map((f) => f.rule), ['network-module-metadata'], src);
  }
});

test('a metadata-looking binding used for anything else is a real finding (use before binding too)', () => {
  const r = scan("function later() { return http.request({}); }\nconst http = require('http');\nmodule.exports = http.STATUS_CODES;\n");
  assert.deepEqual(rules(r.findings), ['network-module:http']);
  const passed = scan("const net = require('net');\nuse(net);\n");
  assert.deepEqual(rules(passed.findings), ['network-module:net']);
});

test('network globals: fetch, WebSocket, XMLHttpRequest, sendBeacon, globalThis.fetch, importScripts', () => {
  const r = scan("fetch('/a');\nnew WebSocket('ws://x.invalid');\nconst x = new XMLHttpRequest();\nnavigator.sendBeacon('/b');\nconst f = globalThis['fetch'];\nimportScripts('x.js');\n");
  assert.deepEqual(rules(r.findings), ['network-global:WebSocket', 'network-global:XMLHttpRequest', 'network-global:fetch', 'network-global:importScripts', 'network-global:sendBeacon']);
  const fetchFinding = r.findings.find((f) => f.subject === 'fetch');
  assert.equal(fetchFinding?.count, 2, 'fetch() and globalThis["fetch"] are counted together');
});

test('typeof feature tests are not uses; the use that follows is', () => {
  assert.deepEqual(scan("if (typeof fetch === 'function' && typeof self.importScripts === 'function') x();\n").findings, []);
  const r = scan("const f = typeof fetch === 'function' ? fetch : null;\n");
  assert.deepEqual(rules(r.findings), ['network-global:fetch']);
  assert.equal(r.findings[0]?.count, 1);
});

test('a locally declared function named fetch is not the network global', () => {
  const r = scan("function fetch(key) { return cache[key]; }\nmodule.exports = fetch('a');\n");
  assert.deepEqual(r.findings, []);
});

test('network programs started through child_process, including via sh -c', () => {
  const r = scan("const cp = require('child_process');\ncp.execSync('/usr/bin/curl -s https://x.invalid');\ncp.spawn('sh', ['-c', 'wget -q x']);\ncp.execFile('ls', ['-l']);\n");
  assert.deepEqual(rules(r.findings), ['child-process:child_process', 'network-program:curl', 'network-program:wget']);
});

test('P2P imports, HTTP client packages, native network bindings', () => {
  const r = scan("const Peer = require('simple-peer');\nconst ws = require('ws');\nconst t = process.binding('tcp_wrap');\nconst lp = require('@libp2p/tcp/dist/index.js');\n");
  assert.deepEqual(rules(r.findings), ['network-module:binding:tcp_wrap', 'network-module:ws', 'p2p-import:@libp2p/tcp', 'p2p-import:simple-peer']);
});

test('code that loads a telemetry or update-check package is flagged even if it is not installed', () => {
  const r = scan("let Sentry;\ntry { Sentry = require('@sentry/node'); } catch {}\nimport('update-notifier').then(() => {});\n");
  assert.deepEqual(rules(r.findings), ['signature/telemetry:@sentry/node', 'signature/update_check:update-notifier']);
});

test('the module loader called directly (Module._load) counts as require', () => {
  const r = scan("const Module = require('module');\nconst h = Module._load('https', null, false);\nh.get('x');\n");
  assert.deepEqual(rules(r.findings), ['network-module:https']);
});

test('createRequire(import.meta.url) counts as require', () => {
  const r = scan("import { createRequire } from 'node:module';\nconst req = createRequire(import.meta.url);\nconst dns = req('dns');\ndns.lookup('x.invalid');\n", { prefer: 'module' });
  assert.deepEqual(rules(r.findings), ['network-module:dns']);
});

test('dynamic require, import(), eval, globalThis[computed] and process.dlopen are reported; a foldable name is resolved', () => {
  const r = scan("const m = require(name);\nconst n = import(`./${x}.js`);\neval('1');\nnew Function('return 1');\nglobalThis['fe' + 'tch'](u);\nprocess.dlopen(module, p);\n");
  // 'fe' + 'tch' folds to fetch: both the dynamic access and the network global it reaches.
  assert.deepEqual(rules(r.findings), ['dynamic-access:globalThis[…]', 'dynamic-code:Function', 'dynamic-code:eval', 'dynamic-code:process.dlopen', 'dynamic-require:import()', 'dynamic-require:require()', 'network-global:fetch']);
  // A name only known at run time: the dynamic access alone.
  assert.deepEqual(rules(scan('const k = process.argv[2];\nglobalThis[k](u);\n').findings), ['dynamic-access:globalThis[…]']);
});

test('an unparseable file gets a parse-failure note and the lexical rules still apply', () => {
  const r = scan("const h = require('https');\nfunction (\n");
  assert.equal(r.how, 'parse-failed');
  assert.deepEqual(rules(r.findings), ['network-module:https', 'parse-failure:parse']);
});

test('a file over the parse limit is scanned lexically and says so', () => {
  const big = `${'var a=1;'.repeat(2000)}\nvar h=require("http");h.get("x");fetch("/y");\n`;
  const r = scan(big, { maxParseBytes: 1000 });
  assert.equal(r.how, 'lexical-only');
  assert.deepEqual(rules(r.findings), ['lexical-scan:size', 'network-global:fetch', 'network-module:http']);
  assert.equal(r.findings.find((f) => f.rule === 'network-module')?.line, 2);
});

test('a file without any trigger token is not parsed, and --deep parses it', () => {
  const src = "const path = require('path');\nmodule.exports = path.join('a', 'b');\n";
  assert.equal(hasTrigger(src), false);
  assert.equal(scan(src).how, 'prefiltered');
  assert.equal(scan(src, { deep: true }).how, 'parsed');
  assert.deepEqual(scan(src, { deep: true }).findings, []);
});

test('the pre-filter never hides a file that the AST rules flag', () => {
  // Every snippet yields at least one finding when parsed; each must trip the pre-filter.
  const snippets = [
    "require('http')", "require(`net`)", "import('node:tls')", "export * from 'dgram'", "fetch(u)",
    "x = new WebSocket(u)", "navigator.sendBeacon(u)", "globalThis.XMLHttpRequest", "require(x)", "import(x)",
    "eval(s)", "new Function(s)", "process.binding('udp_wrap')", "require('child_process')",
    "exec('curl x')", "spawn('sh', ['-c', 'nc -l 1'])", "require('simple-peer')", "importScripts('a')",
    "module.constructor._load('net')", "window[k]", "process.dlopen(m, p)", 'fetc\\u0068(u)', "require('socket.io-client')", "require('@sentry/node')", "import('update-notifier')",
  ];
  for (const s of snippets) {
    const deep = scan(s, { deep: true, prefer: 'module' });
    assert.ok(deep.findings.length > 0, `AST rules flag: ${s}`);
    assert.ok(hasTrigger(s), `pre-filter triggers on: ${s}`);
    assert.deepEqual(rules(scan(s, { prefer: 'module' }).findings), rules(deep.findings), s);
  }
});

test('URL hosts in string literals are collected (not loopback)', () => {
  const hosts = new Set<string>();
  scanText("const a = 'https://cdn.example.invalid/x'; const b = \"http://127.0.0.1:80\"; // http://comment.invalid\n", 90, OPTS, hosts);
  assert.deepEqual([...hosts], ['cdn.example.invalid']);
});

test('host groups, P2P URLs, opt-out variables and remote-download defaults, with positions', async () => {
  const { hostFindings } = await import('../../src/audit/scan/index.js');
  const text = [
    "const u = 'https://app.posthog.com/e';",
    "// see https://registry.yarnpkg.com/pkg",
    "const ice = { urls: 'stun:stun.invalid:3478' };",
    "const t = 'udp://tracker.invalid:80';",
    "if (process.env['DO_NOT_TRACK']) {}",
    "env.allowRemoteModels = true;",
    "const cdn = `https://cdn.jsdelivr.net/npm/x`;",
    "const other = 'https://code.invalid/x';",
  ].join('\n');
  const got = hostFindings(text).map((f) => `${f.rule}:${f.subject}@${f.line}:${f.column}`).sort();
  assert.deepEqual(got, [
    'hardcoded-host:analytics:app.posthog.com@1:11',
    'hardcoded-host:cdn:cdn.jsdelivr.net@7:13',
    'host-in-comment:package-registry:registry.yarnpkg.com@2:8',
    'p2p-url:stun@3:22',
    'p2p-url:udp@4:12',
    'runtime-download-default:allowRemoteModels@6:5',
    'telemetry-optout-env:DO_NOT_TRACK@5:18',
  ]);
  // Mentions in prose are not reads: no finding for a comment naming the variable.
  assert.deepEqual(hostFindings('// set DO_NOT_TRACK=1 to opt out\n'), []);
});
