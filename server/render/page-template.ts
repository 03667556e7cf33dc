import { parseJsonGuarded, type JsonObject } from '../../protocol/index.js';
import { inputPart, selectPieces, textareaPieces, textContent } from './control-pieces.js';
import { attribute, parseHtml, type SourceElement, type SourceNode } from './html-tree.js';
import { joinPieces, writePieces, type Piece } from './pieces.js';
import { itemKey, itemOwner, scopeOwner, type PageInputs, type RenderContext } from './render-context.js';
import { buttonPart, datasetOf, formPart, hiddenForm, itemKeyPart, stampPart, tagPiece, type TagPart } from './tag-parts.js';

/** An instance a page shows: what its `<na-scope>` names, and the `params` it would mount it with. */
export interface ScopeReference {
  readonly type: string;
  readonly instance: string;
  readonly params: JsonObject;
}

/** Where in the page the compiler is: which binding owns the controls here, whether elements here are a list item's roots. */
interface Place {
  /** Inside an `<na-bind>` that fills its own controls: its path. */
  readonly controls?: string;
  /** The top level of a list item's template: each element gets the item's `na-key`. */
  readonly itemRoot?: boolean;
}

const CONTROLS = new Set(['input', 'select', 'textarea']);

/**
 * A page compiled once for every render: its source cut into the text that never changes and the places a
 * render writes (each `<na-scope>`'s stamp, bound text and controls, list items, no-JavaScript forms). A render
 * costs what concatenating those strings costs, however long the page. Everything a render writes is text or
 * a quoted attribute value, escaped; it never writes inside `script` or `style`.
 */
export class PageTemplate {
  /** The page's HTML as it was compiled. */
  readonly source: string;
  /** Every instance the page shows, once each (the first `params` written for it). */
  readonly scopes: readonly ScopeReference[];
  readonly #pieces: Piece[];

  private constructor(source: string, scopes: readonly ScopeReference[], pieces: Piece[]) {
    this.source = source;
    this.scopes = scopes;
    this.#pieces = pieces;
  }

  static compile(source: string): PageTemplate {
    const compiler = new Compiler(source);
    const pieces = compiler.page();
    return new PageTemplate(source, [...compiler.scopes.values()], pieces);
  }

  /** The page with the instances' state written in, as `page` gives it. */
  render(page: PageInputs): string {
    return writePieces(this.#pieces, { page, owner: undefined, used: { hiddenForm: false } });
  }
}

/** What a subtree holds that a render may write: anything at all, and form controls (live only inside a binding). */
interface Reach {
  readonly live: boolean;
  readonly controls: boolean;
}

class Compiler {
  readonly scopes = new Map<string, ScopeReference>();
  readonly #source: string;
  readonly #root: SourceElement;
  readonly #reach = new Map<SourceElement, Reach>();
  #hiddenFormPlaced = false;

  constructor(source: string) {
    this.#source = source;
    this.#root = parseHtml(source);
    this.#measure(this.#root);
  }

  page(): Piece[] {
    const pieces = this.#range(this.#root.children, 0, this.#source.length, {});
    // A page without a `</body>` (a fragment, or one that leaves it out): the hidden form goes at the end.
    if (!this.#hiddenFormPlaced) pieces.push(hiddenForm);
    return joinPieces(pieces);
  }

  /** The pieces of `[from, to)`, whose children are `nodes`: their text as it is, and each live element compiled. */
  #range(nodes: readonly SourceNode[], from: number, to: number, place: Place): Piece[] {
    const pieces: Piece[] = [];
    let cursor = from;
    for (const node of nodes) {
      if (node.kind !== 'element' || !this.#isLive(node, place)) continue;
      pieces.push(this.#source.slice(cursor, node.start), ...this.#element(node, place));
      cursor = node.closeEnd;
    }
    pieces.push(this.#source.slice(cursor, to));
    return pieces;
  }

  #content(element: SourceElement, place: Place): Piece[] {
    return this.#range(element.children, element.openEnd, element.closeStart, place);
  }

  #element(element: SourceElement, place: Place): Piece[] {
    const source = this.#source;
    const parts: TagPart[] = place.itemRoot ? [itemKeyPart] : [];
    const inner: Place = place.controls === undefined ? {} : { controls: place.controls };
    const end = source.slice(element.closeStart, element.closeEnd);
    const bound = element.name === 'na-bind' ? undefined : attribute(element, 'na-bind');
    const controlPath = bound ?? place.controls;
    if (element.name === 'na-scope') return this.#scope(element, parts);
    if (element.name === 'na-bind') return this.#bind(element, parts);
    if (CONTROLS.has(element.name) && controlPath !== undefined) {
      if (element.name === 'textarea') return textareaPieces(source, element, controlPath, parts);
      if (element.name === 'select') return selectPieces(source, element, controlPath, parts);
      const part = inputPart(element, controlPath);
      return [tagPiece(source, element, part ? [...parts, part] : parts)];
    }
    const click = element.name === 'button' ? attribute(element, 'na-click') : undefined;
    if (click !== undefined && attribute(element, 'form') === undefined && attribute(element, 'formaction') === undefined) {
      parts.push(buttonPart(click, datasetOf(element)));
    }
    const submit = element.name === 'form' ? attribute(element, 'na-submit') : undefined;
    if (submit !== undefined && attribute(element, 'action') === undefined && attribute(element, 'method') === undefined) parts.push(formPart(submit));
    const content = this.#content(element, inner);
    if (element.name === 'body' && source.startsWith('</', element.closeStart)) {
      this.#hiddenFormPlaced = true;
      content.push(hiddenForm);
    }
    if (bound !== undefined) return [tagPiece(source, element, parts), this.#boundText(element, bound, content), end];
    return [tagPiece(source, element, parts), ...content, end];
  }

  /** An `<na-scope>`: stamped, and its content owned by its instance (nobody's, when it cannot be read). */
  #scope(element: SourceElement, parts: TagPart[]): Piece[] {
    const type = attribute(element, 'type');
    const instance = attribute(element, 'instance');
    const named = type !== undefined && type !== '' && instance !== undefined && instance !== '';
    if (named) {
      parts.push(stampPart(type, instance));
      const key = `${type}\u0000${instance}`;
      if (!this.scopes.has(key)) this.scopes.set(key, { type, instance, params: mountParams(attribute(element, 'params')) });
    }
    const tag = tagPiece(this.#source, element, parts);
    const content = joinPieces(this.#content(element, {}));
    const end = this.#source.slice(element.closeStart, element.closeEnd);
    return [
      (context) => {
        const read = named ? context.page.instance(type, instance) : undefined;
        const owner = read ? scopeOwner(type!, instance!, read.state, context.page.error) : undefined;
        return writeTag(tag, context) + writePieces(content, { ...context, owner }) + end;
      },
    ];
  }

  /** An `<na-bind>`: a list when it holds a `<template>`, its own controls when it has any, else text. */
  #bind(element: SourceElement, parts: TagPart[]): Piece[] {
    const source = this.#source;
    const prop = attribute(element, 'prop');
    const tag = tagPiece(source, element, parts);
    const end = source.slice(element.closeStart, element.closeEnd);
    if (!prop) return [tag, ...this.#content(element, {}), end];
    const template = element.children.find((child): child is SourceElement => child.kind === 'element' && child.name === 'template');
    if (template) return [this.#list(element, prop, template, tag, end)];
    if (this.#ownsControls(element)) return [tag, ...this.#content(element, { controls: prop }), end];
    // Only text (or elements and no controls): the value replaces it all, as the browser's binding does.
    return [tag, this.#boundText(element, prop, this.#content(element, {})), end];
  }

  /** A keyed list: the template kept as it is, then one copy of its content per item, its roots keyed. */
  #list(element: SourceElement, prop: string, template: SourceElement, tag: Piece, end: string): Piece {
    const keyName = attribute(element, 'key');
    const content = joinPieces(this.#content(element, {}));
    const item = joinPieces(this.#range(template.children, template.openEnd, template.closeStart, { itemRoot: true }));
    return (context) => {
      const { owner } = context;
      const value = owner?.read(prop);
      let items = '';
      if (owner && Array.isArray(value)) {
        const seen = new Set<string>();
        value.forEach((entry, index) => {
          const key = itemKey(entry, index, keyName, seen);
          if (key !== undefined) items += writePieces(item, { ...context, owner: itemOwner(owner, entry, keyName, key) });
        });
      }
      return writeTag(tag, context) + writePieces(content, context) + items + end;
    };
  }

  /** Text content bound to `path`: the value when the owner has one, else the content as written. */
  #boundText(element: SourceElement, path: string, content: Piece[]): Piece {
    const written = joinPieces(content);
    const dropsFirstNewline = element.name === 'pre' || element.name === 'listing' || element.name === 'textarea';
    return (context) => {
      const value = context.owner?.read(path);
      return value === undefined ? writePieces(written, context) : textContent(value, dropsFirstNewline);
    };
  }

  /** Whether an `<na-bind>` has controls of its own: not inside a nested binding, scope or template. */
  #ownsControls(element: SourceElement): boolean {
    return element.children.some(
      (child) =>
        child.kind === 'element' &&
        (CONTROLS.has(child.name) || (child.name !== 'na-bind' && child.name !== 'na-scope' && child.name !== 'template' && this.#ownsControls(child))),
    );
  }

  #isLive(element: SourceElement, place: Place): boolean {
    if (element.name === 'template') return false;
    const reach = this.#reach.get(element)!;
    return reach.live || place.itemRoot === true || (place.controls !== undefined && reach.controls);
  }

  /** Marks, bottom-up, the subtrees that hold something a render writes. */
  #measure(element: SourceElement): Reach {
    let live = isMarked(element);
    let controls = CONTROLS.has(element.name);
    for (const child of element.children) {
      if (child.kind !== 'element') continue;
      const reach = this.#measure(child);
      live ||= reach.live && child.name !== 'template';
      controls ||= reach.controls;
    }
    const reach = { live, controls };
    this.#reach.set(element, reach);
    return reach;
  }
}

function isMarked(element: SourceElement): boolean {
  const { name } = element;
  return (
    name === 'na-scope' ||
    name === 'na-bind' ||
    name === 'body' ||
    attribute(element, 'na-bind') !== undefined ||
    (name === 'form' && attribute(element, 'na-submit') !== undefined) ||
    (name === 'button' && attribute(element, 'na-click') !== undefined)
  );
}

function writeTag(tag: Piece, context: RenderContext): string {
  return typeof tag === 'string' ? tag : tag(context);
}

/** A scope's `params` as its mount would take them: a JSON object, else none (the browser would fail to parse it too). */
function mountParams(text: string | undefined): JsonObject {
  if (text === undefined) return {};
  try {
    const parsed = parseJsonGuarded(text);
    const value = parsed.value;
    return parsed.prototypeKey === undefined && value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
  } catch {
    return {};
  }
}
