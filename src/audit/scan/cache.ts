// Opt-in cache of AST findings (`hermetic audit --cache DIR`), keyed by the SHA-256 of the
// file's content, the grammar tried first, and a fingerprint of the rule code itself (the
// compiled ast.js, lexicon.js and the signature list, and acorn's version), so that a change
// to any rule invalidates every entry without a version number to forget. Parsing the few big
// bundles (pdf.js) is most of an audit; their findings do not change until the file does.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { RawFinding } from './raw.js';

function ruleFingerprint(): string {
  const h = createHash('sha256');
  for (const rel of ['./ast.js', './lexicon.js', '../../signatures/packages.js']) {
    try { h.update(readFileSync(new URL(rel, import.meta.url))); } catch { h.update(`missing:${rel}`); }
  }
  try {
    const require = createRequire(import.meta.url);
    h.update((require('acorn/package.json') as { version: string }).version);
  } catch { h.update('acorn:unknown'); }
  return h.digest('hex').slice(0, 16);
}

let fingerprint: string | null = null;

export class ParseCache {
  private readonly dir: string;
  hits = 0;
  misses = 0;

  constructor(root: string) {
    fingerprint ??= ruleFingerprint();
    this.dir = join(root, fingerprint);
    mkdirSync(this.dir, { recursive: true });
  }

  key(text: string, prefer: string): string {
    return createHash('sha256').update(prefer).update('\0').update(text).digest('hex');
  }

  get(key: string): RawFinding[] | null {
    try {
      const v: unknown = JSON.parse(readFileSync(join(this.dir, `${key}.json`), 'utf8'));
      if (Array.isArray(v)) { this.hits++; return v as RawFinding[]; }
    } catch { /* a miss */ }
    this.misses++;
    return null;
  }

  set(key: string, findings: RawFinding[]): void {
    // Write then rename: a concurrent audit never reads half a file.
    const tmp = join(this.dir, `${key}.${process.pid}.tmp`);
    try {
      writeFileSync(tmp, JSON.stringify(findings));
      renameSync(tmp, join(this.dir, `${key}.json`));
    } catch { /* a cache that cannot be written is only slower */ }
  }
}
