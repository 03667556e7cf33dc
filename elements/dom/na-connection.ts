import { ReactiveElement, type PropertyDeclarations } from '@lit/reactive-element';
import type { PageConnection, TransportPreference } from '../connection/page-connection.js';
import { getPageConnection } from '../connection/page-registry.js';

/**
 * Page-level settings for HTML authors. Its `connection` property is the page connection, whose events
 * (`nasc-connected`, `nasc-disconnected`, `nasc-patch`, `nasc-send`, `nasc-error`) page scripts can listen to.
 *
 * @example
 * <na-connection transport="ws" base="/nasc"></na-connection>
 */
export class NaConnection extends ReactiveElement {
  // Declared here rather than with decorators: decorated classes compile to much larger code.
  static override properties: PropertyDeclarations = { transport: { reflect: true }, base: { reflect: true } };

  /** `sse`, `ws` or `auto` (the default rule: URL, then scopes, then SSE). */
  transport: TransportPreference = 'auto';
  /** Where the Nasc routes are mounted (default: next to the script). */
  base?: string;

  /** The page connection this element configures. */
  get connection(): PageConnection {
    return getPageConnection();
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Read the attributes now, before the first scope starts the connection on its next microtask.
    const transport = this.getAttribute('transport');
    const base = this.getAttribute('base');
    this.connection.configure({
      ...(transport === 'sse' || transport === 'ws' || transport === 'auto' ? { transport } : {}),
      ...(base ? { base } : {}),
    });
  }
}

customElements.define('na-connection', NaConnection);

declare global {
  interface HTMLElementTagNameMap {
    'na-connection': NaConnection;
  }
}
