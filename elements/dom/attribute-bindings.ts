import type { JsonValue } from '../../protocol/index.js';
import { applyToControl, isControl, showText } from './bind-value.js';
import { ownerScope } from '../scope/owner-scope.js';
import type { Scope } from '../scope/scope.js';

function show(element: Element, value: JsonValue | undefined): void {
  if (value === undefined) return;
  if (isControl(element)) applyToControl(element, value);
  else showText(element, value);
}

/**
 * Binds elements that carry the binding themselves (`<input name="email" na-bind="email">`, or
 * `<span na-bind="title">`) inside `roots` that `scope` owns (see `ownerScope`). With `prop`, only bindings
 * of that top-level property are refreshed.
 */
export function applyAttributeBindings(roots: Iterable<Node>, scope: Scope, prop?: string): void {
  for (const root of roots) {
    if (!(root instanceof Element)) continue;
    const candidates = root.hasAttribute('na-bind') ? [root, ...root.querySelectorAll('[na-bind]')] : root.querySelectorAll('[na-bind]');
    for (const element of candidates) {
      if (element.localName === 'na-bind' || ownerScope(element) !== scope) continue;
      const path = element.getAttribute('na-bind')!;
      if (prop !== undefined && path.split('.')[0] !== prop) continue;
      show(element, scope.read(path) ?? (prop === undefined ? undefined : null));
    }
  }
}
