import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jailEnv, isDeniedEnvName, TELEMETRY_OPT_OUTS } from '../../../src/isolation/jail/index.js';

test('jailEnv keeps only allow-listed host variables', () => {
  const env = jailEnv({ PATH: '/usr/bin', HOME: '/h', LC_ALL: 'C', SECRET_TOKEN: 'x', AWS_SECRET_ACCESS_KEY: 'y' });
  assert.equal(env.PATH, '/usr/bin');
  assert.equal(env.HOME, '/h');
  assert.equal(env.LC_ALL, 'C');
  assert.equal(env.SECRET_TOKEN, undefined);
  assert.equal(env.AWS_SECRET_ACCESS_KEY, undefined);
});

test('jailEnv drops proxies, NODE_OPTIONS, NODE_EXTRA_CA_CERTS and preloads even when the caller passes them', () => {
  const bad = { HTTP_PROXY: 'http://192.0.2.1:3128', https_proxy: 'x', ALL_PROXY: 'x', NO_PROXY: 'x', NODE_OPTIONS: '--require x', NODE_EXTRA_CA_CERTS: '/c.pem', LD_PRELOAD: '/x.so', LD_LIBRARY_PATH: '/x', BASH_ENV: '/x' };
  const env = jailEnv({ PATH: '/usr/bin', ...bad }, { ...bad, MY_VAR: 'kept' });
  for (const k of Object.keys(bad)) assert.equal(env[k], undefined, k);
  assert.equal(env.MY_VAR, 'kept');
  assert.ok(isDeniedEnvName('Http_Proxy'));
  assert.ok(!isDeniedEnvName('PATH'));
});

test('jailEnv sets DO_NOT_TRACK and the telemetry opt-outs, and the caller cannot undo them', () => {
  const env = jailEnv({}, { DO_NOT_TRACK: '0' });
  assert.equal(env.DO_NOT_TRACK, '1');
  for (const [k, v] of Object.entries(TELEMETRY_OPT_OUTS)) assert.equal(env[k], v, k);
});
