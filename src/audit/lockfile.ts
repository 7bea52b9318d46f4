// package-lock.json provenance: `npm ci` installs exactly what the lockfile says, so a
// dependency resolved from git, a plain-http URL or a host other than the configured registry
// is a download from somewhere else, and an entry without `integrity` is not pinned by hash.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Finding } from './types.js';

interface LockEntry {
  name?: string;
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  dev?: boolean;
  inBundle?: boolean;
}

/** The registry from the project's .npmrc (`registry=`), else the public npm registry. */
export function configuredRegistryHost(rootDir: string): string {
  try {
    const npmrc = readFileSync(join(rootDir, '.npmrc'), 'utf8');
    const m = /^\s*registry\s*=\s*(\S+)/m.exec(npmrc);
    if (m) return new URL(m[1] as string).host;
  } catch {}
  return 'registry.npmjs.org';
}

function nameFromKey(key: string): string {
  const i = key.lastIndexOf('node_modules/');
  return i >= 0 ? key.slice(i + 'node_modules/'.length) : key;
}

type Lock = { lockfileVersion?: number; packages?: Record<string, LockEntry> };

/**
 * The lockfile npm would honour: npm-shrinkwrap.json, else package-lock.json, else the hidden
 * node_modules/.package-lock.json that npm >= 7 writes at install (an installed copy of a
 * published package has only that one: npm never publishes package-lock.json).
 */
function readLock(rootDir: string): { lock: Lock; file: string } | null {
  for (const file of ['npm-shrinkwrap.json', 'package-lock.json', 'node_modules/.package-lock.json']) {
    try {
      const lock = JSON.parse(readFileSync(join(rootDir, file), 'utf8')) as Lock;
      if (lock.packages && (lock.lockfileVersion ?? 1) >= 2) return { lock, file };
    } catch {}
  }
  return null;
}

/** Findings for lockfile entries in scope (dev entries skipped for --prod). Null when no lockfile v2+. */
export function checkLockfile(rootDir: string, prod: boolean): Finding[] | null {
  const found = readLock(rootDir);
  if (!found) return null;
  const { lock, file } = found;
  if (!lock.packages) return null;
  const registry = configuredRegistryHost(rootDir);
  const out: Finding[] = [];
  for (const [key, e] of Object.entries(lock.packages)) {
    // '' is the root; keys outside node_modules/ are workspace folders (local source, no download).
    if (!key.includes('node_modules/') || e.link || e.inBundle || (prod && e.dev)) continue;
    const name = e.name ?? nameFromKey(key);
    // The location is the lockfile itself (packagePath '.' is the audited root).
    const at = { rule: 'lockfile-source' as const, level: 'warning' as const, severity: 'info' as const, reachable: true, dev: e.dev === true, package: name, version: e.version ?? '', packagePath: '.', file };
    if (e.resolved) {
      let problem: string | null = null;
      if (/^(?:git\+|git:|github:|gitlab:|bitbucket:)/.test(e.resolved)) problem = 'resolved from a git repository';
      else if (e.resolved.startsWith('file:')) problem = null; // a local folder: no download
      else {
        try {
          const u = new URL(e.resolved);
          if (u.protocol !== 'https:') problem = `resolved over ${u.protocol.replace(':', '')}, not https`;
          else if (u.host !== registry) problem = `resolved from ${u.host}, not the configured registry ${registry}`;
        } catch { problem = 'resolved from an unparseable location'; }
      }
      if (problem) out.push({ ...at, message: `${key}: ${problem} (${e.resolved})`, subject: 'resolved' });
    }
    if (!e.integrity && !(e.resolved ?? '').startsWith('file:')) {
      out.push({ ...at, message: `${key}: no integrity hash — the tarball is not pinned`, subject: 'integrity' });
    }
  }
  return out;
}
