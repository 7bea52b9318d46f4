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

/** Send raw bytes (e.g. a request with no Host header at all); resolves the status code. */
export function rawStatus(port: number, text: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port }, () => sock.end(text));
    let data = '';
    sock.on('data', (d: Buffer) => { data += d.toString('latin1'); });
    sock.on('end', () => resolve(Number(/^HTTP\/1\.[01] (\d{3})/.exec(data)?.[1] ?? 0)));
    sock.on('error', reject);
  });
}
