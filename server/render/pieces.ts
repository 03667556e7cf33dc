import type { SourceElement } from './html-tree.js';
import type { RenderContext } from './render-context.js';

/** A compiled page is a list of pieces: source text as it is, or what to write in its place for one render. */
export type Piece = string | ((context: RenderContext) => string);

/** Writes pieces for one render. */
export function writePieces(pieces: readonly Piece[], context: RenderContext): string {
  let out = '';
  for (const piece of pieces) out += typeof piece === 'string' ? piece : piece(context);
  return out;
}

/** Pieces with neighbouring source texts joined, so a render concatenates as few strings as the page allows. */
export function joinPieces(pieces: readonly Piece[]): Piece[] {
  const joined: Piece[] = [];
  for (const piece of pieces) {
    if (piece === '') continue;
    const last = joined[joined.length - 1];
    if (typeof piece === 'string' && typeof last === 'string') joined[joined.length - 1] = last + piece;
    else joined.push(piece);
  }
  return joined;
}

/**
 * An element's start tag as written, without the attributes named in `drop` and without its closing `>` (or
 * `/>`), for attributes to be appended to. Dropping is what makes an appended attribute count: a browser keeps
 * the first of two attributes of one name, so one already written (by the page, or by a render before) would
 * win.
 */
export function openTag(source: string, element: SourceElement, drop: readonly string[]): string {
  // What follows the last attribute (spaces, a self-closing `/`) is left out with the `>`.
  const last = element.attributes[element.attributes.length - 1];
  const end = last ? last.end : element.start + 1 + element.name.length;
  let tag = '';
  let from = element.start;
  for (const attribute of element.attributes) {
    if (!drop.includes(attribute.name)) continue;
    // With the space before it: the one after it still separates what follows.
    tag += source.slice(from, attribute.start).trimEnd();
    from = attribute.end;
  }
  return tag + source.slice(from, end);
}
