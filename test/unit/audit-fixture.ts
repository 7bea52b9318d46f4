// Builds small installed dependency trees on disk for the audit tests, in temporary folders
// (tests that change the tree, e.g. write waiver files, need their own copy). Issue 8's fixed
// fixture project lives in test/fixtures/audit instead.
import { chmodSync, mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export type TreeSpec = Record<string, string | object>;

export function writeTree(spec: TreeSpec, prefix = 'hermetic-audit-'): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  for (const [rel, content] of Object.entries(spec)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    if (rel.includes('/bin/')) chmodSync(p, 0o755);
  }
  return root;
}

const pkg = (name: string, version: string, extra: object = {}): object => ({ name, version, ...extra });

/** One package per rule, plus a clean one, a dev-only one and a nested version. */
export const FIXTURE_TREE: TreeSpec = {
  'package.json': pkg('fixture-app', '1.0.0', {
    dependencies: {
      'clean-lib': '1', 'posthog-node': '1', installer: '1', 'native-thing': '1', 'net-user': '1', 'fetch-user': '1',
      spawner: '1', 'meta-only': '1', 'p2p-importer': '1', dyn: '1', broken: '1', 'parent-lib': '1', shared: '2',
      'needs-missing': '1', 'bin-shipper': '1',
    },
    optionalDependencies: { 'optional-absent': '1' },
    devDependencies: { 'dev-tool': '1' },
    allowScripts: { installer: false },
  }),
  'node_modules/clean-lib/package.json': pkg('clean-lib', '1.0.0', { main: 'index.js' }),
  'node_modules/clean-lib/index.js': "'use strict';\nconst path = require('path');\nmodule.exports = (a) => path.join(a, 'x');\n",
  'node_modules/posthog-node/package.json': pkg('posthog-node', '3.0.0'),
  'node_modules/posthog-node/index.js': 'module.exports = {};\n',
  'node_modules/installer/package.json': pkg('installer', '1.0.0', { scripts: { postinstall: 'node install.js && curl -sO https://downloads.invalid/bin' } }),
  'node_modules/installer/install.js': "console.log('hi');\n",
  'node_modules/native-thing/package.json': pkg('native-thing', '0.1.0'),
  'node_modules/native-thing/binding.gyp': '{ "targets": [] }\n',
  'node_modules/native-thing/build/Release/thing.node': 'not really an ELF file',
  // Executables: a native one (ELF magic) is native code; a shell script is not.
  'node_modules/clean-lib/bin/tool.sh': '#!/bin/sh\necho hi\n',
  'node_modules/bin-shipper/package.json': pkg('bin-shipper', '1.0.0'),
  'node_modules/bin-shipper/bin/helper': '\u007fELF\u0002\u0001\u0001 (truncated test binary)',
  'node_modules/bin-shipper/bin/cli': "#!/usr/bin/env node\nrequire('http').get('http://x.invalid');\n",
  'node_modules/net-user/package.json': pkg('net-user', '2.0.0'),
  'node_modules/net-user/lib/client.js': "'use strict';\nconst https = require('node:https');\n\nfunction ping() {\n  return https.request({ host: 'telemetry.invalid' });\n}\nmodule.exports = { ping };\n",
  'node_modules/fetch-user/package.json': pkg('fetch-user', '1.0.0', { type: 'module' }),
  'node_modules/fetch-user/index.js': "export async function report(x) {\n  await fetch('https://collector.invalid/v1', { method: 'POST', body: x });\n  navigator.sendBeacon('/x');\n}\n",
  'node_modules/spawner/package.json': pkg('spawner', '1.0.0'),
  'node_modules/spawner/index.js': "const { exec, spawn } = require('child_process');\nexec('curl -s https://update.invalid/latest');\nspawn('sh', ['-c', 'wget -q http://x.invalid']);\n",
  'node_modules/meta-only/package.json': pkg('meta-only', '1.0.0'),
  'node_modules/meta-only/index.js': "const http = require('http');\nconst { isIP } = require('net');\nmodule.exports = (c) => http.STATUS_CODES[c] + isIP('1.2.3.4');\n",
  'node_modules/p2p-importer/package.json': pkg('p2p-importer', '1.0.0'),
  'node_modules/p2p-importer/index.mjs': "import Peer from 'simple-peer';\nexport const p = new Peer();\n",
  'node_modules/dyn/package.json': pkg('dyn', '1.0.0'),
  'node_modules/dyn/index.js': "const name = process.env.X;\nconst m = require(name);\nmodule.exports = eval('1 + 1') + new Function('return 2')();\n",
  'node_modules/broken/package.json': pkg('broken', '1.0.0'),
  'node_modules/broken/index.js': "const x = require('http');\nfunction (\n",
  'node_modules/parent-lib/package.json': pkg('parent-lib', '1.0.0', { dependencies: { shared: '1' } }),
  'node_modules/parent-lib/index.js': "module.exports = require('shared');\n",
  'node_modules/parent-lib/node_modules/shared/package.json': pkg('shared', '1.5.0'),
  'node_modules/parent-lib/node_modules/shared/index.js': "module.exports = require('dgram');\n",
  'node_modules/shared/package.json': pkg('shared', '2.0.0'),
  'node_modules/shared/index.js': 'module.exports = 2;\n',
  'node_modules/needs-missing/package.json': pkg('needs-missing', '1.0.0', { dependencies: { 'not-installed': '1' } }),
  'node_modules/dev-tool/package.json': pkg('dev-tool', '1.0.0'),
  'node_modules/dev-tool/index.js': "import net from 'node:net';\nexport const s = net.connect(80, '192.0.2.1');\n",
  // Not reachable from any package.json: must not be audited.
  'node_modules/extraneous/package.json': pkg('extraneous', '1.0.0'),
  'node_modules/extraneous/index.js': "require('http').get('http://x.invalid');\n",
};
