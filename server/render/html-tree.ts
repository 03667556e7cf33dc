import { decodeCharacterReferences } from './html-text.js';

/** An attribute as written: its name (lowercase), its value (character references decoded) and where it is. */
export interface SourceAttribute {
  readonly name: string;
  readonly value: string;
  /** Offsets of the whole attribute in the source, name to the end of its value. */
  readonly start: number;
  readonly end: number;
}

/** An element of the page, with the offsets the renderer cuts the source at. */
export interface SourceElement {
  readonly kind: 'element';
  /** The tag name, lowercase. */
  readonly name: string;
  readonly attributes: readonly SourceAttribute[];
  /** Offset of its start tag's `<`. */
  readonly start: number;
  /** Offset just after its start tag's `>`. */
  readonly openEnd: number;
  /** Offset of its end tag's `<` (or where it was closed without one); `openEnd` for a void element. */
  closeStart: number;
  /** Offset just after its end tag (or `closeStart` without one). */
  closeEnd: number;
  readonly children: SourceNode[];
}

/** A run of text (character references still as written), or a comment, doctype or CDATA section. */
export interface SourceText {
  readonly kind: 'text' | 'other';
  readonly start: number;
  readonly end: number;
}

export type SourceNode = SourceElement | SourceText;

/** The attribute's value by (lowercase) name: the first one written, as a browser takes it. */
export function attribute(element: SourceElement, name: string): string | undefined {
  return element.attributes.find((candidate) => candidate.name === name)?.value;
}

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'keygen', 'link', 'meta', 'param', 'source', 'track', 'wbr']);
/** Elements whose content is text up to their end tag, markup included (`noscript` as a browser with scripting sees it). */
const RAW_TEXT = new Set(['script', 'style', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript', 'textarea', 'title']);
/** Start tags that close an open element of these names first (the end tags HTML lets authors leave out). */
const CLOSES: Record<string, readonly string[]> = {
  li: ['li', 'p'],
  dt: ['dt', 'dd', 'p'],
  dd: ['dt', 'dd', 'p'],
  option: ['option'],
  optgroup: ['option', 'optgroup'],
  tr: ['tr', 'td', 'th'],
  td: ['td', 'th'],
  th: ['td', 'th'],
};
const BLOCKS_CLOSING_P = new Set(
  'address article aside blockquote details div dl fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr main menu nav ol p pre section table ul'.split(' '),
);
const SPACE = /[\t\n\f\r ]/;
const TAG_NAME_END = /[\t\n\f\r />]/;
const ATTRIBUTE_NAME_END = /[\t\n\f\r />=]/;

/**
 * Parses a page into a tree of elements with source offsets, following the HTML tokenizer where it decides
 * what is markup: tags and their attributes (quoted, unquoted, duplicated), comments, doctypes and bogus
 * comments, the text-only content of `script`, `style`, `textarea`, `title` and the like, CDATA inside SVG and
 * MathML. Tree building is simpler than a browser's: an end tag closes the nearest open element of its name,
 * void elements have no content, and the end tags HTML lets authors omit (`li`, `p`, `option`, table cells)
 * are implied as a browser implies them in well-formed pages. The renderer only edits inside elements it
 * knows, so a page the browser would repair differently renders as written there.
 */
export function parseHtml(source: string): SourceElement {
  const root: SourceElement = { kind: 'element', name: '#document', attributes: [], start: 0, openEnd: 0, closeStart: source.length, closeEnd: source.length, children: [] };
  const open: SourceElement[] = [root];
  let foreign = 0;
  let textStart = 0;
  let at = 0;
  const current = (): SourceElement => open[open.length - 1]!;
  const flushText = (end: number): void => {
    if (end > textStart) current().children.push({ kind: 'text', start: textStart, end });
  };
  const close = (element: SourceElement, start: number, end: number): void => {
    const index = open.lastIndexOf(element);
    for (let i = open.length - 1; i >= index; i--) {
      const closed = open[i]!;
      closed.closeStart = start;
      closed.closeEnd = i === index ? end : start;
      if (closed.name === 'svg' || closed.name === 'math') foreign--;
    }
    open.length = index;
  };
  const other = (start: number, end: number): void => {
    flushText(start);
    current().children.push({ kind: 'other', start, end });
    at = textStart = end;
  };
  while (at < source.length) {
    const lt = source.indexOf('<', at);
    if (lt < 0) break;
    const next = source[lt + 1] ?? '';
    if (source.startsWith('!--', lt + 1)) {
      // `<!-->` and `<!--->` are empty comments; otherwise the comment ends at the first `-->`.
      const empty = source.startsWith('>', lt + 4) ? lt + 5 : source.startsWith('->', lt + 4) ? lt + 6 : -1;
      const end = empty > 0 ? empty : source.indexOf('-->', lt + 4);
      other(lt, empty > 0 ? empty : end < 0 ? source.length : end + 3);
    } else if (foreign > 0 && source.startsWith('![CDATA[', lt + 1)) {
      const end = source.indexOf(']]>', lt + 9);
      other(lt, end < 0 ? source.length : end + 3);
    } else if (next === '!' || next === '?' || (next === '/' && !/[A-Za-z]/.test(source[lt + 2] ?? ''))) {
      // A doctype, a bogus comment, or `</` not followed by a name (`</>` is dropped, like a comment).
      const end = source.indexOf('>', lt + 2);
      other(lt, end < 0 ? source.length : end + 1);
    } else if (/[A-Za-z]/.test(next)) {
      flushText(lt);
      const tag = readTag(source, lt + 1);
      at = textStart = tag.end;
      startTag(tag.name, tag.attributes, lt, tag.end, tag.selfClosing);
    } else if (next === '/') {
      flushText(lt);
      const name = tagName(source, lt + 2);
      const end = source.indexOf('>', lt + 2);
      at = textStart = end < 0 ? source.length : end + 1;
      const element = findOpen(open, name);
      if (element) close(element, lt, at);
    } else {
      at = lt + 1;
    }
  }
  flushText(source.length);
  close(root, source.length, source.length);
  return root;

  function startTag(name: string, attributes: SourceAttribute[], start: number, openEnd: number, selfClosing: boolean): void {
    const implied = CLOSES[name] ?? (BLOCKS_CLOSING_P.has(name) ? ['p'] : undefined);
    while (implied && implied.includes(current().name) && foreign === 0) close(current(), start, start);
    const element: SourceElement = { kind: 'element', name, attributes, start, openEnd, closeStart: openEnd, closeEnd: openEnd, children: [] };
    current().children.push(element);
    if (VOID.has(name) || (selfClosing && (foreign > 0 || name === 'svg' || name === 'math'))) return;
    if (foreign === 0 && RAW_TEXT.has(name)) {
      const closeStart = rawTextEnd(source, openEnd, name);
      if (closeStart > openEnd) element.children.push({ kind: 'text', start: openEnd, end: closeStart });
      const closeEnd = closeStart < source.length ? source.indexOf('>', closeStart) + 1 || source.length : source.length;
      element.closeStart = closeStart;
      element.closeEnd = closeEnd;
      at = textStart = closeEnd;
      return;
    }
    if (foreign === 0 && name === 'plaintext') {
      element.closeStart = element.closeEnd = source.length;
      at = textStart = source.length;
      return;
    }
    if (name === 'svg' || name === 'math') foreign++;
    open.push(element);
  }
}

function findOpen(open: readonly SourceElement[], name: string): SourceElement | undefined {
  for (let i = open.length - 1; i > 0; i--) if (open[i]!.name === name) return open[i];
  return undefined;
}

function tagName(source: string, from: number): string {
  let end = from;
  while (end < source.length && !TAG_NAME_END.test(source[end]!)) end++;
  return source.slice(from, end).toLowerCase();
}

/** Where the text content of a raw-text element ends: its end tag (`</name` then a space, `/` or `>`), or the end. */
function rawTextEnd(source: string, from: number, name: string): number {
  const end = new RegExp(`</${name}(?=[\\t\\n\\f\\r />]|$)`, 'gi');
  end.lastIndex = from;
  return end.exec(source)?.index ?? source.length;
}

/** A start tag read from just after its `<`: name, attributes and the offset after its `>`. */
function readTag(source: string, from: number): { name: string; attributes: SourceAttribute[]; end: number; selfClosing: boolean } {
  const name = tagName(source, from);
  const attributes: SourceAttribute[] = [];
  let at = from + name.length;
  let selfClosing = false;
  while (at < source.length) {
    const char = source[at]!;
    if (char === '>') return { name, attributes, end: at + 1, selfClosing };
    if (SPACE.test(char) || char === '/') {
      selfClosing = char === '/' && source[at + 1] === '>';
      at++;
      continue;
    }
    selfClosing = false;
    const start = at;
    // A first `=` belongs to the name, as in the tokenizer's "before attribute name" state.
    at++;
    while (at < source.length && !ATTRIBUTE_NAME_END.test(source[at]!)) at++;
    const attributeName = source.slice(start, at).toLowerCase();
    let valueAt = at;
    while (valueAt < source.length && SPACE.test(source[valueAt]!)) valueAt++;
    if (source[valueAt] !== '=') {
      attributes.push({ name: attributeName, value: '', start, end: at });
      continue;
    }
    valueAt++;
    while (valueAt < source.length && SPACE.test(source[valueAt]!)) valueAt++;
    const quote = source[valueAt];
    let raw: string;
    if (quote === '"' || quote === "'") {
      const close = source.indexOf(quote, valueAt + 1);
      const end = close < 0 ? source.length : close;
      raw = source.slice(valueAt + 1, end);
      at = Math.min(source.length, end + 1);
    } else {
      let end = valueAt;
      while (end < source.length && !SPACE.test(source[end]!) && source[end] !== '>') end++;
      raw = source.slice(valueAt, end);
      at = end;
    }
    attributes.push({ name: attributeName, value: decodeCharacterReferences(raw), start, end: at });
  }
  return { name, attributes, end: source.length, selfClosing };
}
