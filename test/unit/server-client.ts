// A tiny HTTP client for server tests: node:http, so that any Host/Origin header can be sent
// (fetch forbids setting Host). Loopback only.
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';

export interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): unknown;
}

export function req(port: number, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string; host?: string } = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const r = httpRequest({ host: opts.host ?? '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: { host: `127.0.0.1:${port}`, ...opts.headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) as unknown });
      });
      res.on('error', reject);
    });
    r.on('error', reject);
    if (opts.body !== undefined) r.write(opts.body);
    r.end();
  });
}

/** Send raw bytes (e.g. a request with no Host header, or no valid HTTP at all); the raw answer. */
export function raw(port: number, text: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port }, () => sock.end(text));
    let data = '';
    sock.on('data', (d: Buffer) => { data += d.toString('latin1'); });
    sock.on('end', () => {
      const [head = '', body = ''] = data.split('\r\n\r\n', 2);
      const lines = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines.slice(1)) { const i = l.indexOf(':'); if (i > 0) headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim(); }
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0), headers, body });
    });
    sock.on('error', reject);
  });
}

export async function rawStatus(port: number, text: string): Promise<number> {
  return (await raw(port, text)).status;
}
