// Pure pieces of the tripwire: argument parsing that must mirror Node's, program detection,
// P2P matching, attribution from paths, preload arguments, options, event mapping. No socket
// is opened here; the hooks themselves are exercised in test/integration/isolation/tripwire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectTarget, connectApi } from '../../../src/isolation/tripwire/hooks/net-connect.js';
import { sendDestination } from '../../../src/isolation/tripwire/hooks/dgram.js';
import { urlTarget } from '../../../src/isolation/tripwire/hooks/globals.js';
import { guardEvalSource } from '../../../src/isolation/tripwire/hooks/worker-threads.js';
import { isLoopbackHost } from '../../../src/isolation/tripwire/targets.js';
import {
  NetworkBlockedError, eventForAttempt, envForOptions, hasTripwireImport, networkProgramIn, networkProgramInShell,
  optionsFromEnv, p2pPackageOf, packageFromPath, registerUrl, withTripwireExecArgv, NETWORK_BLOCKED_CODE, type Attempt,
} from '../../../src/isolation/tripwire/index.js';

test('connectTarget mirrors net normalizeArgs', () => {
  assert.deepEqual(connectTarget([443, 'example.test']), { port: 443, host: 'example.test' });
  assert.deepEqual(connectTarget(['8080']), { port: 8080, host: 'localhost' });
  assert.deepEqual(connectTarget([{ port: 80, host: '192.0.2.1' }]), { port: 80, host: '192.0.2.1' });
  assert.deepEqual(connectTarget([[{ port: 80 }, null]]), { port: 80, host: 'localhost' });
  assert.deepEqual(connectTarget(['/run/x.sock']), { path: '/run/x.sock' });
  assert.deepEqual(connectTarget([{ path: '\0abstract', port: 1 }]), { path: '\0abstract' });
  assert.equal(connectTarget([]), undefined);
  assert.equal(connectTarget([{}]), undefined);
});

test('connectApi names the API from the internal frame the caller entered', () => {
  const f = (file: string, fn: string) => ({ file, fn, line: 1, column: 1 });
  assert.deepEqual(connectApi(undefined), { api: 'net.Socket.connect', protocol: 'tcp' });
  assert.deepEqual(connectApi(f('node:https', 'request')), { api: 'https.request', protocol: 'https' });
  assert.deepEqual(connectApi(f('node:http', 'get')), { api: 'http.get', protocol: 'http' });
  assert.deepEqual(connectApi(f('node:_http_client', 'ClientRequest')), { api: 'http.request', protocol: 'http' });
  assert.deepEqual(connectApi(f('node:internal/tls/wrap', 'connect')), { api: 'tls.connect', protocol: 'tls' });
  assert.deepEqual(connectApi(f('node:internal/http2/core', 'connect')), { api: 'http2.connect', protocol: 'http2' });
  assert.deepEqual(connectApi(f('node:net', 'connect')), { api: 'net.connect', protocol: 'tcp' });
});

test('sendDestination mirrors dgram send argument shuffling', () => {
  const cb = () => {};
  assert.deepEqual(sendDestination(['m', 53, '192.0.2.1', cb]), { port: 53, address: '192.0.2.1', cb });
  assert.deepEqual(sendDestination(['m', 53, cb]), { port: 53, cb });
  assert.deepEqual(sendDestination(['m', 0, 1, 53, '192.0.2.1']), { port: 53, address: '192.0.2.1' });
  assert.deepEqual(sendDestination(['m', 53]), { port: 53 });
});

test('urlTarget fills default ports and strips IPv6 brackets', () => {
  assert.deepEqual({ ...urlTarget('https://example.test/'), url: undefined }, { url: undefined, host: 'example.test', port: 443, scheme: 'https:' });
  assert.equal(urlTarget('ws://[2001:db8::1]:9/').host, '2001:db8::1');
  assert.equal(urlTarget(new URL('http://127.0.0.1:8/')).port, 8);
  assert.equal(urlTarget({ url: 'http://192.0.2.1/' }).port, 80);
  assert.equal(urlTarget('not a url').url, undefined);
});

test('isLoopbackHost', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST', 'a.localhost', '::ffff:127.0.0.1', undefined]) assert.equal(isLoopbackHost(h), true, String(h));
  for (const h of ['192.0.2.1', '2001:db8::1', '0.0.0.0', '::', 'example.test', '128.0.0.1', 'localhost.example.test']) assert.equal(isLoopbackHost(h), false, h);
});

test('network programs: direct, wrapped, in shell strings, openssl s_client', () => {
  assert.equal(networkProgramIn(['/usr/bin/curl', '-s', 'x']), 'curl');
  assert.equal(networkProgramIn(['env', 'A=1', 'wget', 'x']), 'wget');
  assert.equal(networkProgramIn(['timeout', '5', 'nc', '-z', 'h', '1']), 'nc');
  assert.equal(networkProgramIn(['sh', '-c', 'cd /tmp && ssh host']), 'ssh');
  assert.equal(networkProgramIn(['bash', '-lc', 'echo hi; "dig" x']), 'dig');
  assert.equal(networkProgramIn(['openssl', 's_client', '-connect', 'h:443']), 'openssl s_client');
  assert.equal(networkProgramIn(['openssl', 'dgst', 'f']), null);
  assert.equal(networkProgramIn(['CURL.EXE']), 'curl');
  assert.equal(networkProgramInShell('echo $(curl x)'), 'curl');
  assert.equal(networkProgramInShell('ls -l | grep curl'), null, 'an argument named curl is not a program');
  assert.equal(networkProgramIn(['tesseract', 'in.png', 'out']), null);
  assert.equal(networkProgramIn(['node', 'worker.js']), null);
});

test('P2P detection by specifier and by resolved path', () => {
  assert.equal(p2pPackageOf('simple-peer'), 'simple-peer');
  assert.equal(p2pPackageOf('simple-peer/lib/x.js'), 'simple-peer');
  assert.equal(p2pPackageOf('@libp2p/tcp/dist/index.js'), '@libp2p/tcp');
  assert.equal(p2pPackageOf('file:///app/node_modules/@hyperswarm/dht/index.js'), '@hyperswarm/dht');
  assert.equal(p2pPackageOf('/app/node_modules/gun/gun.js'), 'gun');
  assert.equal(p2pPackageOf('/app/node_modules/gun/node_modules/ok-lib/index.js'), null, 'the innermost package owns the file');
  assert.equal(p2pPackageOf('node:net'), null);
  assert.equal(p2pPackageOf('./stun.js'), null);
  assert.equal(p2pPackageOf('stunning'), null);
  assert.equal(p2pPackageOf('sharp'), null);
});

test('packageFromPath: node_modules/<name>, node_modules/@scope/name, else app', () => {
  assert.equal(packageFromPath('/x/node_modules/a/node_modules/b/i.js'), 'b');
  assert.equal(packageFromPath('file:///x/node_modules/@s/n/lib/i.js'), '@s/n');
  assert.equal(packageFromPath('/work/main/dist/src/server/app.js'), 'app');
});

test('preload arguments for Node children and workers', () => {
  assert.ok(registerUrl.startsWith('file://') && registerUrl.endsWith('/tripwire/register.js'));
  assert.deepEqual(withTripwireExecArgv(['--no-warnings']), ['--import', registerUrl, '--no-warnings']);
  assert.deepEqual(withTripwireExecArgv(['--import', registerUrl]), ['--import', registerUrl]);
  assert.equal(hasTripwireImport(['--import=hermetic/tripwire/register']), true);
  assert.equal(hasTripwireImport(['--import', './other.js']), false);
  const src = guardEvalSource('doWork()');
  assert.ok(src.endsWith('\ndoWork()') && src.includes('register.js') && !src.includes('require('), src);
});

test('options travel through the environment to an --import preload', () => {
  const env = envForOptions({ allowLoopbackPorts: [8123, 9], allowUnixPaths: ['/run/a.sock', '/run/b.sock'], jobId: 'j1' });
  assert.deepEqual(optionsFromEnv(env), { allowLoopbackPorts: [8123, 9], allowUnixPaths: ['/run/a.sock', '/run/b.sock'], jobId: 'j1' });
  assert.deepEqual(optionsFromEnv({ HERMETIC_TRIPWIRE_ALLOW_PORTS: '0,70000,abc' }), {});
});

test('NetworkBlockedError and the event mapping', () => {
  const e = new NetworkBlockedError({ api: 'https.request', target: 'docs.invalid:443', package: 'some-lib' });
  assert.equal(e.code, NETWORK_BLOCKED_CODE);
  assert.equal(e.code, 'ERR_NETWORK_ISOLATED');
  assert.equal(e.message, 'Network access blocked by Hermetic: https.request to docs.invalid:443 (from package "some-lib")');
  const base: Attempt = { kind: 'network', api: 'net.connect', host: '192.0.2.1', port: 1, package: 'x', pid: 1, ts: new Date(0).toISOString() };
  assert.deepEqual([eventForAttempt(base).type, eventForAttempt(base).severity], ['network_attempt', 'warning']);
  assert.equal(eventForAttempt({ ...base, kind: 'dns' }).type, 'dns_blocked');
  assert.equal(eventForAttempt({ ...base, kind: 'p2p' }).type, 'p2p_blocked');
  assert.equal(eventForAttempt({ ...base, kind: 'process_spawn' }).type, 'process_spawn_blocked');
  assert.deepEqual([eventForAttempt({ ...base, kind: 'hole' }).type, eventForAttempt({ ...base, kind: 'hole' }).severity], ['monitor_hole', 'critical']);
});
