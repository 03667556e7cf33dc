import { ReactiveElement, type PropertyDeclarations } from '@lit/reactive-element';
import type { JsonObject, JsonValue } from '../../protocol/index.js';
import { applyToControl, displayText, isControl } from './bind-value.js';
import '../scope/page-context.js';
import { consumeContext } from '../scope/context-consumer.js';
import { connectionContext, scopeContext } from '../scope/contexts.js';
import { warnOnce } from '../dev/dev-mode.js';
import { KeyedList } from './keyed-list.js';
import type { PageConnection } from '../connection/page-connection.js';
import { checkBinding, resolveSchema } from '../dev/schema-check.js';
import { rootProp, type Scope } from '../scope/scope.js';

/**
 * Shows one property of the nearest scope. As text (never parsed as HTML) by default; in the form controls it
 * wraps (checkbox, radio group, select, select multiple, textarea, input) when it has any; as a keyed list
 * through its `<template>` when the value is an array. Fallback content stays until the first value, and
 * `null` clears what was shown.
 *
 * @example
 * <na-bind prop="address.city">unknown</na-bind>
 * <na-bind prop="items" key="id"><template><li><na-bind prop="title"></na-bind></li></template></na-bind>
 */
export class NaBind extends ReactiveElement {
  // Declared here rather than with decorators: decorated classes compile to much larger code.
  static override properties: PropertyDeclarations = { prop: { reflect: true }, key: { reflect: true } };

  /** Dotted path into the scope's state; `.` is the whole value (e.g. a list item that is a string). */
  prop = '';
  /** For lists: the item property that identifies an item across updates. */
  key?: string;

  #scope: Scope | undefined;
  #unwatch: (() => void) | undefined;
  #list: KeyedList | undefined;
  #rendered: JsonValue | undefined;
  #connection: PageConnection | undefined;

  constructor() {
    super();
    consumeContext(this, connectionContext, (connection) => (this.#connection = connection));
    consumeContext(this, scopeContext, (scope) => this.#useScope(scope));
  }

  protected override createRenderRoot(): HTMLElement {
    // Light DOM: the author's children stay visible to page CSS and scripts.
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Dev checks are tested in place (not through warnOnce alone) so their messages leave the production bundle.
    if (globalThis.NASC_DEV_MODE === false) return;
    queueMicrotask(() => {
      if (this.isConnected && !this.#scope) {
        warnOnce(`bind-orphan:${this.prop}`, `<na-bind prop="${this.prop}"> is not inside an <na-scope>; it binds nothing and keeps the content written in it.`, this);
      }
    });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#unwatch?.();
    this.#unwatch = undefined;
    this.#scope = undefined;
  }

  protected override updated(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('prop') && this.#scope) this.#useScope(this.#scope);
  }

  /** Shows the scope's current value again (after a control was changed locally and the server disagreed). */
  refresh(): void {
    this.#rendered = undefined;
    this.#render();
  }

  #useScope(scope: Scope): void {
    this.#unwatch?.();
    this.#scope = scope;
    this.#rendered = undefined;
    if (!this.prop) {
      if (globalThis.NASC_DEV_MODE !== false) warnOnce('bind-no-prop', '<na-bind> needs a prop attribute.', this);
      return;
    }
    this.#unwatch = scope.watch(rootProp(this.prop), () => this.#render());
    this.#render();
  }

  #render(): void {
    const scope = this.#scope;
    if (!scope) return;
    const value = scope.read(this.prop);
    if (globalThis.NASC_DEV_MODE !== false) {
      checkBinding(this, scope.schema(), scope.type, this.prop, value, (type) => this.#connection?.schema(type));
    }
    if (value === undefined && this.#rendered === undefined) return;
    const next = value ?? null;
    if (next === this.#rendered && (next === null || typeof next !== 'object')) return;
    this.#rendered = next;
    // Text is the common case: with no child elements there is no template or control to look for.
    if (this.firstElementChild === null) {
      this.textContent = displayText(next);
      return;
    }
    const template = this.querySelector(':scope > template');
    if (template instanceof HTMLTemplateElement) {
      this.#renderList(scope, template, next);
      return;
    }
    const controls = this.#ownControls();
    if (controls.length > 0) {
      for (const control of controls) applyToControl(control, next);
      return;
    }
    this.textContent = displayText(next);
  }

  #renderList(scope: Scope, template: HTMLTemplateElement, value: JsonValue): void {
    this.#list ??= new KeyedList(this, template, this.key, scope, () => this.#itemSchema(scope));
    if (value === null) {
      this.#list.clear();
      return;
    }
    if (!Array.isArray(value)) {
      if (globalThis.NASC_DEV_MODE !== false) {
        warnOnce(`bind-list-not-array:${this.prop}`, `<na-bind prop="${this.prop}"> has a template but its value is not an array.`, this);
      }
      return;
    }
    this.#list.update(value);
  }

  #itemSchema(scope: Scope): JsonObject | undefined {
    const lookup = (type: string) => this.#connection?.schema(type);
    const listSchema = resolveSchema(scope.schema()?.properties as JsonValue | undefined, lookup);
    const property = listSchema?.[this.prop];
    return resolveSchema(resolveSchema(property, lookup)?.items, lookup);
  }

  /** The controls this binding owns: not those of a nested binding, scope or list template. */
  #ownControls(): (HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement)[] {
    return [...this.querySelectorAll('input, select, textarea')].filter(
      (element): element is HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement =>
        isControl(element) && element.parentElement?.closest('na-bind, na-scope') === this,
    );
  }
}

customElements.define('na-bind', NaBind);

declare global {
  interface HTMLElementTagNameMap {
    'na-bind': NaBind;
  }
}
