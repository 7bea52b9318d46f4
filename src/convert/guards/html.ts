// HTML nesting, measured BEFORE a DOM is built. The HTML parser turndown uses (domino) is
// quadratic in the nesting depth — 5,000 nested <div>s take seconds, 100,000 would take the
// whole job timeout — and turndown walks the tree recursively. So the tags are counted here in
// one linear pass with a simplified open-element stack: void elements never open one, the
// elements HTML closes implicitly (p, li, td, option…) close their open namesake, raw-text
// elements (script, style…) are skipped to their end tag. It over-estimates only for unusual
// markup; browsers themselves stop nesting at 512.
import { ConvertError } from '../errors.js';
import { LIMITS } from '../limits.js';

export interface HtmlLimits { maxDepth: number; maxElements: number }
export const DEFAULT_HTML_LIMITS: HtmlLimits = { maxDepth: LIMITS.htmlMaxDepth, maxElements: LIMITS.htmlMaxElements };

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'keygen', 'link', 'meta', 'param', 'source', 'track', 'wbr', 'basefont', 'bgsound', 'frame', 'image', 'isindex']);
/** Opening one of these closes an open element of the same name (the parser's implied end tags). */
const SELF_CLOSING_PEERS = new Set(['p', 'li', 'dt', 'dd', 'option', 'optgroup', 'tr', 'td', 'th', 'thead', 'tbody', 'tfoot', 'rb', 'rt', 'rp', 'rtc', 'colgroup', 'caption', 'a', 'nobr', 'form', 'button', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript', 'plaintext']);
const FOREIGN = new Set(['svg', 'math']);

export interface HtmlShape { depth: number; elements: number }

/** Maximum element nesting and element count of an HTML text, in one pass (stops early past the limits). */
export function htmlShape(html: string, limits: HtmlLimits = DEFAULT_HTML_LIMITS): HtmlShape {
  const stack: string[] = [];
  let depth = 0;
  let elements = 0;
  let foreign = 0;
  // Linear on purpose: a '>' inside a quoted attribute ends the tag early here (a miscount of
  // one tag at most); following quotes could scan to the end of the text for every '<'.
  const tag = /<(\/?)([A-Za-z][A-Za-z0-9:-]*)([^>]*)>|<!--[\s\S]*?(?:-->|$)|<![^>]*>|<\?[^>]*>/g;
  let m: RegExpExecArray | null;
  while ((m = tag.exec(html)) !== null) {
    const name = m[2]?.toLowerCase();
    if (!name) continue; // comment, doctype, processing instruction
    if (m[1]) {
      const i = stack.lastIndexOf(name);
      if (i >= 0) {
        for (let j = i; j < stack.length; j++) if (FOREIGN.has(stack[j] as string)) foreign--;
        stack.length = i;
      }
      continue;
    }
    elements++;
    if (elements > limits.maxElements) return { depth, elements };
    if (VOID.has(name)) continue;
    if (/\/\s*$/.test(m[3] ?? '') && (foreign > 0 || FOREIGN.has(name))) continue; // <x/> only closes in SVG/MathML
    if (SELF_CLOSING_PEERS.has(name)) {
      const i = stack.lastIndexOf(name);
      if (i >= 0) stack.length = i;
    }
    if (RAW_TEXT.has(name)) {
      const close = new RegExp(`</${name}`, 'gi'); // name is [a-z0-9:-]: nothing to escape
      close.lastIndex = tag.lastIndex;
      const end = close.exec(html);
      tag.lastIndex = end ? end.index : html.length;
      continue;
    }
    stack.push(name);
    if (FOREIGN.has(name)) foreign++;
    if (stack.length > depth) {
      depth = stack.length;
      if (depth > limits.maxDepth) return { depth, elements };
    }
  }
  return { depth, elements };
}

export function assertHtmlBounded(html: string, limits: HtmlLimits = DEFAULT_HTML_LIMITS): void {
  const s = htmlShape(html, limits);
  if (s.depth > limits.maxDepth) throw new ConvertError('TOO_COMPLEX', `HTML nests elements more than ${limits.maxDepth} deep (browsers stop at 512 too)`);
  if (s.elements > limits.maxElements) throw new ConvertError('TOO_COMPLEX', `HTML has more than ${limits.maxElements} elements`);
}
