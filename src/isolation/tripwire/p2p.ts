// Is a module request a P2P/WebRTC/discovery package? Bare specifiers are checked against the
// shared list (src/signatures/packages.ts); paths and URLs by the package folder they point into.
import { isP2PModule } from '../../signatures/index.js';

const NODE_MODULES = /[/\\]node_modules[/\\]((?:@[^/\\]+[/\\])?[^/\\]+)/g;

/** The P2P package a specifier or resolved path/URL names, or null. */
export function p2pPackageOf(request: string): string | null {
  if (request === '' || request.startsWith('node:')) return null;
  const isPathLike = request.startsWith('.') || request.startsWith('/') || request.startsWith('file:') || /^[A-Za-z]:[/\\]/.test(request);
  if (!isPathLike) {
    if (!isP2PModule(request)) return null;
    const parts = request.split('/');
    return request.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? request);
  }
  // Most resolved URLs are our own files: skip the regex for them (this runs on every import).
  if (!request.includes('node_modules')) return null;
  // The last node_modules segment owns the file.
  let last: string | null = null;
  for (const m of request.matchAll(NODE_MODULES)) last = (m[1] ?? '').replace(/\\/g, '/');
  return last !== null && isP2PModule(last) ? last : null;
}
