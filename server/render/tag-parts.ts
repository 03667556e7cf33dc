import { isPrototypeKey, type JsonObject } from '../../protocol/index.js';
import type { SourceElement } from './html-tree.js';
import { escapeAttribute, escapeSingleQuoted } from './html-text.js';
import { openTag, type Piece } from './pieces.js';
import type { RenderContext } from './render-context.js';

/**
 * One reason to rewrite a start tag: the attributes it replaces, and what it writes for a render (`undefined`:
 * nothing this time). Several may apply to one tag (a list item's root that is also a bound control).
 */
export interface TagPart {
  readonly replaces: readonly string[];
  attributes(context: RenderContext): string | undefined;
}

/** The id of the hidden form the page's buttons post through (written once, at the end of the body). */
export const HIDDEN_FORM_ID = 'na-form';

/** The hidden form, when a button of this render uses it. */
export function hiddenForm(context: RenderContext): string {
  const forms = context.page.forms;
  return context.used.hiddenForm && forms ? `<form id="${HIDDEN_FORM_ID}" method="post" action="${escapeAttribute(forms.hidden)}" hidden></form>` : '';
}

/** An element's start tag for a render: as written, or with what its parts write in place of what they replace. */
export function tagPiece(source: string, element: SourceElement, parts: readonly TagPart[]): Piece {
  const written = source.slice(element.start, element.openEnd);
  if (parts.length === 0) return written;
  const rewritten = openTag(source, element, parts.flatMap((part) => part.replaces));
  if (parts.length === 1) {
    // Most rewritten tags have one part: written without the arrays the general case makes per render.
    const [part] = parts as [TagPart];
    return (context) => {
      const added = part.attributes(context);
      return added === undefined ? written : `${rewritten}${added}>`;
    };
  }
  return (context) => {
    const added = parts.map((part) => part.attributes(context));
    if (added.every((attributes) => attributes === undefined)) return written;
    const head = added.every((attributes) => attributes !== undefined)
      ? rewritten
      : openTag(source, element, parts.flatMap((part, i) => (added[i] === undefined ? [] : part.replaces)));
    return `${head}${added.join('')}>`;
  };
}

/** `na-key` on each root element of a rendered list item: the browser takes these nodes over as that item's. */
export const itemKeyPart: TagPart = {
  replaces: ['na-key'],
  attributes: (context) => (context.owner?.key === undefined ? undefined : ` na-key="${escapeAttribute(context.owner.key)}"`),
};

/** The stamp of an `<na-scope>`: the revision it was rendered at, and the state it shows (which the page takes over). */
export function stampPart(type: string, instance: string): TagPart {
  return {
    replaces: ['na-rev', 'na-state'],
    attributes(context) {
      const read = context.page.instance(type, instance);
      return read && ` na-rev="${read.rev}" na-state='${escapeSingleQuoted(JSON.stringify(read.state))}'`;
    },
  };
}

/** A `<form na-submit>` posting its event to Nasc without JavaScript. */
export function formPart(event: string): TagPart {
  return {
    replaces: ['method', 'action'],
    attributes(context) {
      const { owner, page } = context;
      if (!owner || !page.forms) return undefined;
      const action = page.forms.action({ type: owner.type, instance: owner.instance, event, payload: owner.payload });
      return ` method="post" action="${escapeAttribute(action)}"`;
    },
  };
}

/**
 * A `<button na-click>` as a submit button of the page's hidden form, posting its event (its `data-*` payload
 * and the item's key) as its value, to Nasc without JavaScript. With JavaScript the elements send the event
 * and keep the browser from submitting, as for any submit button with `na-click`.
 */
export function buttonPart(event: string, dataset: JsonObject): TagPart {
  const hasData = Object.keys(dataset).length > 0;
  return {
    replaces: ['type', 'form', 'formmethod', 'formaction', 'name', 'value'],
    attributes(context) {
      const { owner, page } = context;
      if (!owner || !page.forms) return undefined;
      context.used.hiddenForm = true;
      const value = page.forms.button({ type: owner.type, instance: owner.instance, event, payload: hasData ? { ...dataset, ...owner.payload } : owner.payload });
      return ` type="submit" form="${HIDDEN_FORM_ID}" name="na-event" value='${escapeSingleQuoted(value)}'`;
    },
  };
}

/** An element's `data-*` attributes as the browser's `dataset` names them (`data-todo-id` → `todoId`). */
export function datasetOf(element: SourceElement): JsonObject {
  const dataset: JsonObject = {};
  for (const { name, value } of element.attributes) {
    if (!name.startsWith('data-')) continue;
    const key = name.slice(5).replace(/-([a-z])/g, (_match, letter: string) => letter.toUpperCase());
    if (!isPrototypeKey(key) && !Object.hasOwn(dataset, key)) dataset[key] = value;
  }
  return dataset;
}
