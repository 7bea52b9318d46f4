// A converter's options schema (JSON Schema, from GET /api/converters) as form fields, and the
// values a user typed back into an options object. Only what the user changed is sent: every
// default stays the server's. Pure functions (unit-tested in Node); web/converter.js draws them.

/** Friendlier labels for the built-in converters' options; a schema `description` wins. */
const LABELS = {
  width: 'Width (pixels)', height: 'Height (pixels)', fit: 'Fit into the size', quality: 'Quality (1–100)',
  stripMetadata: 'Remove metadata (camera, location)', effort: 'Compression effort (0–9)',
  standalone: 'Complete HTML page', remoteImages: 'Remote images', header: 'First row is a header',
  delimiter: 'Delimiter', indent: 'Indentation', sheet: 'Sheet (number or name)',
  maxPages: 'At most this many pages', pages: 'Pages (e.g. 1-3,5)', split: 'Split into (page ranges, e.g. 1-2,3-)',
  psm: 'Page layout (Tesseract mode 0–13)',
};

function labelOf(key, prop) {
  if (prop && typeof prop.description === 'string' && prop.description) return prop.description;
  if (LABELS[key]) return LABELS[key];
  const words = key.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * Fields of a schema: [{ key, label, kind: 'number' | 'boolean' | 'choice' | 'text' | 'json', ... }].
 * A schema with no properties that still admits any keys (a user converter without a schema)
 * is one 'json' field.
 */
export function fieldsOf(schema) {
  const s = schema && typeof schema === 'object' ? schema : {};
  const props = s.properties && typeof s.properties === 'object' ? s.properties : null;
  if (!props || !Object.keys(props).length) {
    return s.additionalProperties === false ? [] : [{ key: '*', label: 'Options (JSON object)', kind: 'json', default: '' }];
  }
  return Object.entries(props).map(([key, p]) => {
    const base = { key, label: labelOf(key, p), default: p.default };
    if (Array.isArray(p.enum)) return { ...base, kind: 'choice', choices: p.enum.map(String) };
    if (p.type === 'boolean') return { ...base, kind: 'boolean', default: p.default === true };
    if (p.type === 'integer' || p.type === 'number') {
      return { ...base, kind: 'number', integer: p.type === 'integer', min: typeof p.minimum === 'number' ? p.minimum : undefined, max: typeof p.maximum === 'number' && p.maximum < 1e12 ? p.maximum : undefined };
    }
    const numberOrText = Array.isArray(p.anyOf) && p.anyOf.some((a) => a && (a.type === 'integer' || a.type === 'number'));
    return { ...base, kind: 'text', numberOrText, maxLength: typeof p.maxLength === 'number' ? p.maxLength : undefined };
  });
}

/**
 * The options object from the raw values ({ key: string | boolean }) the form holds.
 * Returns { options, error }: `error` is a sentence naming the field when a value is not valid.
 */
export function collectOptions(fields, raw) {
  const options = {};
  for (const f of fields) {
    const v = raw[f.key];
    if (f.kind === 'json') {
      const text = String(v || '').trim();
      if (!text) continue;
      let parsed;
      try { parsed = JSON.parse(text); } catch { return { options: {}, error: `${f.label}: not valid JSON` }; }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return { options: {}, error: `${f.label}: expected a JSON object, like {"key": "value"}` };
      Object.assign(options, parsed);
      continue;
    }
    if (f.kind === 'boolean') {
      if (typeof v === 'boolean' && v !== f.default) options[f.key] = v;
      continue;
    }
    const text = typeof v === 'string' ? v.trim() : '';
    if (text === '' || text === String(f.default ?? '')) continue;
    if (f.kind === 'number') {
      const n = Number(text);
      if (!Number.isFinite(n) || (f.integer && !Number.isInteger(n))) return { options: {}, error: `${f.label}: expected ${f.integer ? 'a whole number' : 'a number'}` };
      if ((f.min !== undefined && n < f.min) || (f.max !== undefined && n > f.max)) return { options: {}, error: `${f.label}: expected ${f.min ?? '…'} to ${f.max ?? '…'}` };
      options[f.key] = n;
    } else if (f.kind === 'text' && f.numberOrText && /^\d+$/.test(text)) {
      options[f.key] = Number(text);
    } else {
      if (f.maxLength !== undefined && text.length > f.maxLength) return { options: {}, error: `${f.label}: at most ${f.maxLength} characters` };
      options[f.key] = text;
    }
  }
  return { options, error: null };
}
