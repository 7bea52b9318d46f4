// Remote references in an HTML result: an output that loads something from the internet when it
// is opened (an <img src="https://…">, a tracking pixel) phones home on the user's behalf, which
// is a leak too. We list every remote reference as a job warning, and say which ones load by
// themselves. Plain scanning of our own converters' output (not a general HTML parser).

/** Attributes whose URL a browser fetches without a click. */
const AUTOLOAD = new Set(['src', 'srcset', 'poster', 'background', 'data', 'action', 'formaction']);
const ATTR = /\b(src|srcset|href|poster|background|data|action|formaction)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi;
const CSS_URL = /url\(\s*['"]?((?:https?:)?\/\/[^'")\s]+)/gi;
/** Query parameters and hosts that mark a link as a tracker (not exhaustive: a hint, not a filter). */
const TRACKING_PARAM = /[?&](utm_[a-z]+|fbclid|gclid|dclid|msclkid|mc_eid|mc_cid|_hsenc|_hsmi|igshid|yclid)=/i;
const TRACKING_HOST = /(^|\.)(doubleclick\.net|google-analytics\.com|googletagmanager\.com|facebook\.com\/tr|list-manage\.com|mailchimp\.com|hubspot\.com|sendgrid\.net|mandrillapp\.com|mixpanel\.com|segment\.(io|com)|hotjar\.com|pixel\.[a-z.]+|click\.[a-z.]+|t\.co)(\/|$)/i;

export function isRemoteUrl(url: string): boolean {
  return /^\s*(https?:)?\/\//i.test(url);
}

function hostOf(url: string): string {
  try { return new URL(url.trim().startsWith('//') ? `https:${url.trim()}` : url.trim()).host; } catch { return '(unparsable)'; }
}

export function isTracker(url: string): boolean {
  const u = url.trim();
  const hostPath = u.replace(/^(https?:)?\/\//i, '');
  return TRACKING_PARAM.test(u) || TRACKING_HOST.test(hostPath.split('?')[0] ?? '');
}

/** One warning per remote reference kind and host (bounded), most serious first. */
export function remoteReferenceWarnings(html: string, max = 20): string[] {
  const loads = new Map<string, number>();
  const trackers = new Map<string, number>();
  const links = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string): void => { m.set(k, (m.get(k) ?? 0) + 1); };
  for (const m of html.matchAll(ATTR)) {
    const attr = m[1]!.toLowerCase();
    const value = m[2] ?? m[3] ?? m[4] ?? '';
    const urls = attr === 'srcset' ? value.split(',').map((p) => p.trim().split(/\s+/)[0] ?? '') : [value];
    for (const url of urls) {
      if (!isRemoteUrl(url)) continue;
      if (AUTOLOAD.has(attr)) bump(loads, hostOf(url));
      else if (isTracker(url)) bump(trackers, hostOf(url));
      else bump(links, hostOf(url));
    }
  }
  for (const m of html.matchAll(CSS_URL)) bump(loads, hostOf(m[1]!));
  const out: string[] = [];
  for (const [h, n] of loads) out.push(`remote resource loaded when the result is opened: ${n} from ${h}`);
  for (const [h, n] of trackers) out.push(`tracking link: ${n} to ${h}`);
  for (const [h, n] of links) out.push(`remote link (not loaded unless clicked): ${n} to ${h}`);
  return out.length > max ? [...out.slice(0, max), `… and ${out.length - max} more remote references`] : out;
}
