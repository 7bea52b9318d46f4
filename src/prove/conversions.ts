// One conversion of every converter the server offers (GET /api/converters — so system
// converters added later are included without a change here), through POST /api/convert like
// the UI does. Inputs start as the samples of inputs.ts; every result becomes an input too, so a
// converter that only reads, say, DOCX is reached through one that writes it.
import type { ServerSession } from './server-session.js';
import type { ConversionReport } from './types.js';

export interface CatalogConverter {
  id: string;
  title?: string;
  origin: string;
  pairs: [string, string][];
  /** System converters: false when their program is not installed here (with the reason). */
  available?: boolean;
  reason?: string;
}
export interface Catalog { converters: CatalogConverter[]; formats: Record<string, { ext: string }> }

/** The pair to exercise: the first one whose input we have, preferring a real change of format. */
export function choosePair(c: CatalogConverter, have: ReadonlySet<string>): [string, string] | null {
  const usable = c.pairs.filter(([from]) => have.has(from));
  return usable.find(([from, to]) => from !== to) ?? usable[0] ?? null;
}

async function convertOnce(server: ServerSession, c: CatalogConverter, from: string, to: string, data: Buffer, ext: string): Promise<{ report: ConversionReport; output?: Buffer }> {
  const q = new URLSearchParams({ from, to, converter: c.id, name: `sample.${ext}` });
  const t0 = performance.now();
  const base = { converter: c.id, origin: c.origin, from, to, bytesIn: data.length };
  try {
    const r = await server.request('POST', `/api/convert?${q}`, data, 'application/octet-stream');
    const ms = Math.round(performance.now() - t0);
    if (r.status === 200) return { report: { ...base, ok: true, ms, bytesOut: r.body.length }, output: r.body };
    let error = { code: `HTTP_${r.status}`, message: r.body.toString('utf8').slice(0, 300) };
    try { error = (JSON.parse(r.body.toString('utf8')) as { error: typeof error }).error ?? error; } catch {}
    return { report: { ...base, ok: false, ms, error: { code: String(error.code), message: String(error.message).slice(0, 300) } } };
  } catch (e) {
    return { report: { ...base, ok: false, ms: Math.round(performance.now() - t0), error: { code: 'REQUEST_FAILED', message: (e as Error).message } } };
  }
}

/** Every non-plugin converter once; `onDone` sees each result as it comes (progress). */
export async function convertEveryFamily(server: ServerSession, catalog: Catalog, samples: Map<string, Buffer>, onDone?: (r: ConversionReport) => void): Promise<ConversionReport[]> {
  const inputs = new Map(samples);
  const reports: ConversionReport[] = [];
  // A system converter whose program is not installed cannot leak: it is listed, not run.
  for (const c of catalog.converters.filter((x) => x.origin !== 'plugin' && x.available === false)) {
    reports.push({ converter: c.id, origin: c.origin, from: '', to: '', ok: false, ms: 0, bytesIn: 0, skipped: `not available on this machine${c.reason ? `: ${c.reason}` : ''}` });
  }
  const todo = catalog.converters.filter((c) => c.origin !== 'plugin' && c.available !== false);
  // Passes until nothing new can be reached: results of one pass feed the next.
  for (let progress = true; progress && todo.length;) {
    progress = false;
    for (const c of [...todo]) {
      const pair = choosePair(c, new Set(inputs.keys()));
      if (!pair) continue;
      todo.splice(todo.indexOf(c), 1);
      progress = true;
      const [from, to] = pair;
      const { report, output } = await convertOnce(server, c, from, to, inputs.get(from) as Buffer, catalog.formats[from]?.ext ?? from);
      reports.push(report);
      onDone?.(report);
      if (output && !inputs.has(to) && to !== 'zip') inputs.set(to, output);
    }
  }
  for (const c of todo) {
    reports.push({ converter: c.id, origin: c.origin, from: '', to: '', ok: false, ms: 0, bytesIn: 0, skipped: `no sample input for any of its pairs (${c.pairs.map(([a, b]) => `${a}→${b}`).slice(0, 6).join(', ')})` });
  }
  return reports;
}
