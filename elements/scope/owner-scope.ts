import type { Scope } from './scope.js';

/** The root elements of keyed-list items, and each item's scope. */
const itemScopes = new WeakMap<Element, Scope>();

/** Makes `root` (an element of a list item's template) own the elements inside it, for `scope`. */
export function ownItem(root: Element, scope: Scope): void {
  itemScopes.set(root, scope);
}

/**
 * Which scope owns `element`: the nearest list item or `<na-scope>` at or above it, climbing out of shadow
 * roots through their hosts. It is the one answer for event attributes and attribute bindings; elements and
 * controllers ask the same question through `scopeContext`, whose providers are exactly these scopes.
 */
export function ownerScope(element: Element): Scope | undefined {
  for (let node: Element | null = element; node; node = node.parentElement ?? shadowHost(node)) {
    const item = itemScopes.get(node);
    if (item) return item;
    if (node.localName === 'na-scope') return node as unknown as Scope;
  }
  return undefined;
}

function shadowHost(node: Element): Element | null {
  const root = node.getRootNode();
  return root instanceof ShadowRoot ? root.host : null;
}
