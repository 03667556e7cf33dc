import type { JsonValue } from '../protocol/index.js';
import { applyToControl, displayText, isControl } from './bind-value.js';
import { itemScopes } from './keyed-list.js';
import type { Scope } from './scope.js';

/** The scope element or list item an element belongs to: the nearest one at or above it. */
function ownerOf(element: Element): Element | undefined {
  for (let node: Element | null = element; node; node = node.parentElement) {
    if (itemScopes.has(node) || node.localName === 'na-scope') return node;
  }
  return undefined;
}

function show(element: Element, value: JsonValue | undefined): void {
  if (value === undefined) return;
  if (isControl(element)) applyToControl(element, value);
  else element.textContent = displayText(value);
}

/**
 * Binds elements that carry the binding themselves (`<input name="email" na-bind="email">`, or
 * `<span na-bind="title">`) inside `root`, for the scope that owns them: `owner` is the `<na-scope>` or
 * list-item element. With `prop`, only bindings of that top-level property are refreshed.
 */
export function applyAttributeBindings(roots: Iterable<Node>, owner: Element, scope: Scope, prop?: string): void {
  for (const root of roots) {
    if (!(root instanceof Element)) continue;
    const candidates = root.hasAttribute('na-bind') ? [root, ...root.querySelectorAll('[na-bind]')] : root.querySelectorAll('[na-bind]');
    for (const element of candidates) {
      if (element.localName === 'na-bind' || ownerOf(element) !== owner) continue;
      const path = element.getAttribute('na-bind')!;
      if (prop !== undefined && path.split('.')[0] !== prop) continue;
      show(element, scope.read(path) ?? (prop === undefined ? undefined : null));
    }
  }
}
