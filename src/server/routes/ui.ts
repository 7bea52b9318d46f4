// The web UI: the files of web/ (flat), read once at start and served from memory. An explicit
// list of files, not a path-resolving file server: there is no request path that can reach
// anything else. (It also keeps the server's cold start short: no static-file plugin to load.)
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { packageRoot } from '../../version.js';
import type { RoutePlugin } from './types.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

export interface UiFile { body: Buffer; type: string; etag: string }

/** The servable files of a folder by URL path ('/' is index.html). Unknown extensions are not served. */
export function loadUiFiles(dir: string): Map<string, UiFile> {
  const files = new Map<string, UiFile>();
  let names: string[] = [];
  try { names = readdirSync(dir); } catch { return files; }
  for (const name of names) {
    const type = TYPES[extname(name).toLowerCase()];
    const p = join(dir, name);
    if (!type || name.startsWith('.') || !statSync(p).isFile()) continue;
    const body = readFileSync(p);
    files.set(`/${name}`, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
  }
  const index = files.get('/index.html');
  if (index) files.set('/', index);
  return files;
}

export const uiRoutes: RoutePlugin = async (app) => {
  const files = loadUiFiles(join(packageRoot, 'web'));
  for (const [path, f] of files) {
    app.get(path, async (request, reply) => {
      void reply.header('cache-control', 'no-cache').header('etag', f.etag).type(f.type);
      if (request.headers['if-none-match'] === f.etag) return reply.code(304).send();
      return reply.send(f.body);
    });
  }
};
