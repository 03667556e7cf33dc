import type { JsonObject, JsonValue } from '../../protocol/index.js';
import { provideContext } from '../scope/context-protocol.js';
import { scopeContext } from '../scope/contexts.js';
import { warnOnce } from '../dev/dev-mode.js';
import { applyAttributeBindings } from './attribute-bindings.js';
import { ItemScope } from '../scope/item-scope.js';
import { ownItem } from '../scope/owner-scope.js';
import type { Scope } from '../scope/scope.js';

interface Entry {
  key: string;
  nodes: ChildNode[];
  scope: ItemScope;
}

type MovableParent = ParentNode & { moveBefore?: (node: Node, child: Node | null) => void };

/**
 * Renders an array through a `<template>` as keyed items, after the template inside `host`. Items keep their
 * DOM nodes across reorder, insert and remove (keys compared as strings), so focus, caret and element state
 * survive; changed items update their bindings in place.
 */
export class KeyedList {
  readonly #host: Element;
  readonly #template: HTMLTemplateElement;
  readonly #keyName: string | undefined;
  readonly #parent: Scope;
  readonly #itemSchema: () => JsonObject | undefined;
  #entries: Entry[] = [];
  /**
   * Items the server rendered after the template, by their `na-key`: the first update takes their nodes over
   * as those items' (text after an item's root goes with it), and removes the ones it has no item for.
   */
  readonly #rendered = new Map<string, ChildNode[]>();

  constructor(host: Element, template: HTMLTemplateElement, keyName: string | undefined, parent: Scope, itemSchema: () => JsonObject | undefined) {
    this.#host = host;
    this.#template = template;
    this.#keyName = keyName;
    this.#parent = parent;
    this.#itemSchema = itemSchema;
    let nodes: ChildNode[] | undefined;
    let last: string | undefined;
    for (let node = template.nextSibling; node; node = node.nextSibling) {
      const key = (node as Element).getAttribute?.('na-key');
      if (key != null && key !== last) this.#rendered.set((last = key), (nodes = []));
      nodes?.push(node);
    }
  }

  update(items: readonly JsonValue[]): void {
    const previous = new Map(this.#entries.map((entry) => [entry.key, entry]));
    const seen = new Set<string>();
    const next: Entry[] = [];
    items.forEach((item, index) => {
      const key = this.#keyOf(item, index, seen);
      seen.add(key);
      let entry = previous.get(key);
      if (entry) {
        previous.delete(key);
        if (entry.scope.item !== item) {
          entry.scope.item = item;
          this.#bindAttributes(entry);
        }
      } else {
        entry = this.#create(key, item);
      }
      next.push(entry);
    });
    for (const gone of previous.values()) for (const node of gone.nodes) node.remove();
    for (const nodes of this.#rendered.values()) for (const node of nodes) node.remove();
    this.#rendered.clear();
    this.#arrange(next);
    this.#entries = next;
  }

  clear(): void {
    this.update([]);
  }

  #keyOf(item: JsonValue, index: number, seen: Set<string>): string {
    if (this.#keyName === undefined) {
      // Dev checks are tested in place (not through warnOnce alone) so their messages leave the production bundle.
      if (globalThis.NASC_DEV_MODE !== false) {
        warnOnce(`list-no-key:${this.#parent.type}`, `a list in type "${this.#parent.type}" has no key attribute: items are matched by position, so reordering rebuilds their DOM.`, this.#host);
      }
      return `#${index}`;
    }
    const value = item !== null && typeof item === 'object' && !Array.isArray(item) ? item[this.#keyName] : undefined;
    if (value === undefined || value === null) {
      if (globalThis.NASC_DEV_MODE !== false) {
        warnOnce(`list-missing-key:${this.#parent.type}:${this.#keyName}`, `a list item has no "${this.#keyName}" key; it is matched by position.`, this.#host);
      }
      return `\u0000#${index}`;
    }
    let key = String(value);
    if (seen.has(key)) {
      if (globalThis.NASC_DEV_MODE !== false) {
        warnOnce(`list-duplicate-key:${this.#parent.type}:${key}`, `two list items share the key "${key}"; the later one is matched by position.`, this.#host);
      }
      key = `\u0000${key}#${index}`;
    }
    return key;
  }

  #create(key: string, item: JsonValue): Entry {
    const scope = new ItemScope(this.#parent, item, this.#keyName, this.#itemSchema);
    const nodes = this.#rendered.get(key) ?? [...(this.#template.content.cloneNode(true) as DocumentFragment).childNodes];
    this.#rendered.delete(key);
    for (const node of nodes) {
      if (!(node instanceof Element)) continue;
      ownItem(node, scope);
      // Provided before the nodes are inserted, so bindings inside find the item when they connect.
      provideContext(node, scopeContext, scope);
    }
    const entry = { key, nodes, scope };
    this.#bindAttributes(entry);
    return entry;
  }

  #bindAttributes(entry: Entry): void {
    for (const node of entry.nodes) if (node instanceof Element) applyAttributeBindings([node], entry.scope);
  }

  /** Puts the entries in order after the template with as few moves as the walk allows. */
  #arrange(entries: Entry[]): void {
    const parent = this.#host as MovableParent;
    const active = document.activeElement;
    let anchor: Node | null = null;
    for (let i = entries.length - 1; i >= 0; i--) {
      const { nodes } = entries[i]!;
      const last = nodes[nodes.length - 1];
      if (!last) continue;
      const inPlace = last.parentNode === parent && last.nextSibling === anchor && nodes.every((node, j) => j === 0 || node.previousSibling === nodes[j - 1]);
      if (!inPlace) {
        for (const node of nodes) {
          // moveBefore keeps focus, selection and iframe state where the browser has it.
          if (typeof parent.moveBefore === 'function' && node.parentNode === parent) parent.moveBefore(node, anchor);
          else parent.insertBefore(node, anchor);
        }
      }
      anchor = nodes[0]!;
    }
    if (active instanceof HTMLElement && active !== document.activeElement && active.isConnected) active.focus();
  }
}
