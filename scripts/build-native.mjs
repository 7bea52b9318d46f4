#!/usr/bin/env node
// Builds native/jail.c (the kernel jail), native/trap.c (the frame recorder of `hermetic
// prove`) and native/office.c (the LibreOfficeKit driver the `libreoffice` converter runs inside
// the jail) with the system C compiler.
// Why a script and not node-gyp: the helper is a standalone executable, not an addon (no Node
// headers, nothing downloaded), and a missing compiler must not fail `npm install` — the
// capability probe then reports "jail helper: not built" and `strict` refuses to convert.
// A compiler that is present but fails IS an error: silently installing without the kernel
// layers would hide a real problem (a broken toolchain, or a bug in jail.c).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'native', 'build');
// hermetic-office exports its access() and connect() to the LibreOffice libraries it loads (and
// nothing else; see native/office.c for why).
const programs = [['jail.c', 'hermetic-jail', []], ['trap.c', 'hermetic-trap', []],
  ['office.c', 'hermetic-office', ['-ldl', '-Wl,--export-dynamic-symbol=access', '-Wl,--export-dynamic-symbol=connect']]];

if (process.platform !== 'linux') {
  console.log(`hermetic: the jail helper is Linux-only; skipped on ${process.platform}.`);
  process.exit(0);
}
if (!existsSync(join(root, 'native', 'jail.c'))) process.exit(0);
const cc = process.env.CC || 'cc';
const probe = spawnSync(cc, ['--version'], { stdio: 'ignore' });
if (probe.error || probe.status !== 0) {
  console.log(`hermetic: no C compiler (${cc}) found; the kernel jail helper was NOT built. ` +
    'Hermetic still runs, but `hermetic verify` will report "jail helper: not built" and ' +
    'strict/paranoid modes will refuse to convert. Install a C compiler and run `npm run build:native`.');
  process.exit(0);
}
mkdirSync(outDir, { recursive: true });
for (const [file, name, libs] of programs) {
  const src = join(root, 'native', file);
  if (!existsSync(src)) continue;
  // -pthread: jail.c relays socket stdio in a thread.
  const r = spawnSync(cc, ['-O2', '-Wall', '-Werror', '-std=gnu11', '-pthread', '-o', join(outDir, name), src, ...libs], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`hermetic: building native/${file} with ${cc} failed (see above). A C compiler is installed, ` +
      'so this is an error, not a missing optional part. Fix the toolchain, or set CC to a working compiler ' +
      '(CC=false installs without the kernel jail; `hermetic verify` then names the missing layer).');
    process.exit(1);
  }
}
