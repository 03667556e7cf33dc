import { displayText, type JsonValue } from '../../protocol/index.js';
import { attribute, type SourceElement } from './html-tree.js';
import { escapeAttribute, escapeText, optionText } from './html-text.js';
import { tagPiece, type TagPart } from './tag-parts.js';
import { writePieces, type Piece } from './pieces.js';
import type { RenderContext } from './render-context.js';

// Form controls written as the browser's bindings fill them (`applyToControl` in elements/dom/bind-value.ts):
// a checkbox is checked by `true`, its own value or an array holding it, a radio by its value, a select by the
// value of its options, any other control takes the value as text. A value the state does not have leaves the
// control as written.

/** The part of an `<input>`'s start tag a binding of `path` writes: `checked` for checkboxes and radios, else `value`. */
export function inputPart(element: SourceElement, path: string): TagPart | undefined {
  const type = (attribute(element, 'type') ?? 'text').toLowerCase();
  // A file input's value cannot be set; the browser's binding leaves it alone too.
  if (type === 'file') return undefined;
  if (type !== 'checkbox' && type !== 'radio') {
    return { replaces: ['value'], attributes: (context) => withValue(context, path, (value) => ` value="${escapeAttribute(displayText(value))}"`) };
  }
  const own = attribute(element, 'value') ?? 'on';
  const checks = (value: JsonValue): boolean =>
    type === 'radio'
      ? value !== null && String(value) === own
      : Array.isArray(value)
        ? value.map(String).includes(own)
        : value === true || value === own;
  return { replaces: ['checked'], attributes: (context) => withValue(context, path, (value) => (checks(value) ? ' checked' : '')) };
}

/** A `<textarea>`'s pieces: its text is the value (a leading newline doubled, since the parser drops one). */
export function textareaPieces(source: string, element: SourceElement, path: string, parts: readonly TagPart[]): Piece[] {
  const written = source.slice(element.openEnd, element.closeStart);
  return [
    tagPiece(source, element, parts),
    (context) => withValue(context, path, (value) => textContent(value, true)) ?? written,
    source.slice(element.closeStart, element.closeEnd),
  ];
}

/** A `<select>`'s pieces: its options' `selected` set from the value (an array for `multiple`). */
export function selectPieces(source: string, element: SourceElement, path: string, parts: readonly TagPart[]): Piece[] {
  const options = descendants(element).filter((child) => child.name === 'option');
  const values = options.map((option) => attribute(option, 'value') ?? optionText(textOf(source, option)));
  const multiple = attribute(element, 'multiple') !== undefined;
  const content: Piece[] = [];
  let cursor = element.openEnd;
  options.forEach((option, index) => {
    content.push(source.slice(cursor, option.start));
    content.push(tagPiece(source, option, [{ replaces: ['selected'], attributes: (context) => (context.selected ? (context.selected(index) ? ' selected' : '') : undefined) }]));
    cursor = option.openEnd;
  });
  content.push(source.slice(cursor, element.closeStart));
  return [
    tagPiece(source, element, parts),
    (context) => {
      const value = context.owner?.read(path);
      let selected: ((option: number) => boolean) | undefined;
      if (value !== undefined && multiple) {
        const chosen = Array.isArray(value) ? value.map(String) : [];
        selected = (option) => chosen.includes(values[option]!);
      } else if (value !== undefined) {
        const chosen = values.indexOf(value === null ? '' : displayText(value));
        selected = (option) => option === chosen;
      }
      return writePieces(content, { ...context, selected });
    },
    source.slice(element.closeStart, element.closeEnd),
  ];
}

/**
 * A value as the text content of an element: escaped, and with a newline put before one that leads, for the
 * elements whose first newline the parser drops (`pre`, `listing`, `textarea`).
 */
export function textContent(value: JsonValue, dropsFirstNewline: boolean): string {
  const text = displayText(value);
  return (dropsFirstNewline && text.startsWith('\n') ? '\n' : '') + escapeText(text);
}

function withValue(context: RenderContext, path: string, write: (value: JsonValue) => string): string | undefined {
  const value = context.owner?.read(path);
  return value === undefined ? undefined : write(value);
}

function descendants(element: SourceElement): SourceElement[] {
  return element.children.flatMap((child) => (child.kind === 'element' ? [child, ...descendants(child)] : []));
}

function textOf(source: string, element: SourceElement): string {
  return element.children.map((child) => (child.kind === 'text' ? source.slice(child.start, child.end) : child.kind === 'element' ? textOf(source, child) : '')).join('');
}
