import { html, LitElement, nothing, type ComplexAttributeConverter, type PropertyDeclarations, type PropertyValues, type TemplateResult } from 'lit';
import { guard } from 'lit/directives/guard.js';
import { repeat } from 'lit/directives/repeat.js';
import type { PageConnection } from '../connection/page-connection.js';
import { trafficStyles } from './na-traffic-styles.js';
import { TrafficController } from './traffic-controller.js';
import { matchesFilter, type TrafficEntry } from './traffic-entry.js';
import { DEFAULT_LIMIT } from './traffic-log.js';
import { COLUMNS, trafficRow } from './traffic-row.js';

/** A filter attribute: removing it (or setting it empty) clears the filter, as `undefined`. */
const optionalText: ComplexAttributeConverter<string | undefined> = {
  fromAttribute: (value) => value || undefined,
  toAttribute: (value) => value,
};

/** New rows highlighted in one render at the most. */
const MAX_HIGHLIGHTED = 8;

// This module does not import `../scope/page-context.js`, as the other elements do: built alone into
// `/nasc/na-traffic.js`, it must record the connection of the bundle already on the page (found through
// context) and never create a page connection of its own.

/**
 * A developer's view of the page connection's traffic: every event sent and every message received, with
 * timings, revisions, answers and the transport, newest first, filterable by `type` and `instance`. It keeps
 * the last `limit` entries. Closed (the default), it records but renders nothing per message; open, it renders
 * at most once per animation frame. Part of the dev bundle (`/nasc/nasc.dev.js`), or loaded on its own after the
 * page's bundle from `/nasc/na-traffic.js`; never in `/nasc/nasc.js`.
 *
 * @example
 * <na-traffic open instance="my-list"></na-traffic>
 */
export class NaTraffic extends LitElement {
  // Declared here rather than with decorators, as the other Nasc elements do.
  static override properties: PropertyDeclarations = {
    open: { type: Boolean, reflect: true },
    type: { reflect: true, converter: optionalText },
    instance: { reflect: true, converter: optionalText },
    limit: { type: Number },
  };

  static override styles = trafficStyles;

  /** Shows the log; closed, only the heading and its toggle are drawn. */
  open = false;
  /** Only rows about instances of this handler type (empty: all). */
  type: string | undefined;
  /** Only rows about instances of this name (empty: all). */
  instance: string | undefined;
  /** Entries kept; older ones are dropped. */
  limit = DEFAULT_LIMIT;

  readonly #traffic = new TrafficController(this, () => {
    if (this.open) this.requestUpdate();
  });
  readonly #expanded = new Set<number>();
  /** The log's next id when the rows were last drawn: entries from this id on are new to the next render. */
  #drawnUpTo = 0;
  /** Entries whose row was highlighted as it appeared; it stays highlighted when the row renders again. */
  readonly #highlighted = new WeakSet<TrafficEntry>();

  /** Every entry kept, oldest first, whatever the filter. */
  get entries(): readonly TrafficEntry[] {
    return this.#traffic.log.entries;
  }

  /** The connection recorded: the one context provides where the element sits (the page's, usually). */
  get connection(): PageConnection | undefined {
    return this.#traffic.connection;
  }

  /** Forgets every entry and the counts. */
  clear(): void {
    this.#traffic.log.clear();
    this.#expanded.clear();
    this.requestUpdate();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('limit')) this.#traffic.log.limit = this.limit;
    // What was recorded while the panel was closed is not new to whoever opens it.
    if (changed.has('open') && this.open) this.#drawnUpTo = this.#traffic.log.nextId;
  }

  protected override updated(): void {
    this.#drawnUpTo = this.#traffic.log.nextId;
  }

  protected override async scheduleUpdate(): Promise<void> {
    // However many messages arrive, one render per frame; and none while the tab is hidden.
    await new Promise((resolve) => requestAnimationFrame(resolve));
    super.scheduleUpdate();
  }

  protected override render(): TemplateResult {
    return html`<div class="header" part="header">
        <h2 part="heading">
          <button type="button" class="toggle" aria-expanded=${this.open ? 'true' : 'false'} aria-controls="body" @click=${this.#toggle}>
            <slot name="heading">Nasc traffic</slot>
          </button>
        </h2>
        ${this.open && this.connection ? html`<button type="button" class="clear" @click=${this.clear}>Clear</button>` : nothing}
      </div>
      <div id="body" part="body" ?hidden=${!this.open}>${this.open ? this.#body() : nothing}</div>`;
  }

  #body(): TemplateResult {
    if (!this.connection) {
      return html`<p class="note">No Nasc connection found here. Load this element after the page's Nasc bundle (<code>/nasc/nasc.js</code>), or use <code>/nasc/nasc.dev.js</code>, which includes it.</p>`;
    }
    const log = this.#traffic.log;
    const entries = log.entries;
    const filter = { type: this.type, instance: this.instance };
    const rows: TrafficEntry[] = [];
    for (let i = entries.length - 1; i >= 0; i--) if (matchesFilter(entries[i]!, filter)) rows.push(entries[i]!);
    const filtered = rows.length !== entries.length;
    // A few new rows are highlighted as they appear. A burst is not: in a flood a highlight says nothing, and
    // costs a style change on every row for as long as it lasts.
    const freshFrom = log.nextId - this.#drawnUpTo <= MAX_HIGHLIGHTED ? this.#drawnUpTo : Infinity;
    for (const entry of rows) {
      if (entry.id < freshFrom) break;
      this.#highlighted.add(entry);
    }
    return html`<div class="toolbar" part="toolbar">
        <p class="stats" aria-live="off">↑ ${log.sent} sent · ↓ ${log.received} received${log.dropped > 0 ? ` · the last ${log.limit} kept` : ''}</p>
        <div class="filters">${this.#filters(entries)}</div>
      </div>
      <slot></slot>
      <div class="log" part="log" role="region" tabindex="0" aria-label="Traffic log">
        <table role="table" @click=${this.#onTableClick}>
          <caption>Newest first${filtered ? ` · ${rows.length} of ${entries.length} rows match the filter` : ''}</caption>
          <thead role="rowgroup">
            <tr role="row">${COLUMNS.map(([key, label]) => html`<th role="columnheader" scope="col" class=${key}>${label}</th>`)}</tr>
          </thead>
          <tbody role="rowgroup">
            ${repeat(rows, (entry) => entry.id, (entry) => {
              const expanded = this.#expanded.has(entry.id);
              // An entry never changes but for a sent event's outcome: the other rows are not rendered again.
              return guard([entry, entry.kind === 'sent' ? entry.outcome : undefined, expanded], () => trafficRow(entry, expanded, this.#highlighted.has(entry)));
            })}
            ${rows.length === 0
              ? html`<tr role="row" class="empty"><td role="cell" class="empty" colspan=${COLUMNS.length}>${filtered ? 'No traffic matches the filter.' : 'No traffic yet.'}</td></tr>`
              : nothing}
          </tbody>
        </table>
      </div>`;
  }

  /** The two filters, offering the types and instances seen (and the current filter, seen or not). */
  #filters(entries: readonly TrafficEntry[]): TemplateResult {
    const types = new Set<string>();
    const instances = new Set<string>();
    for (const entry of entries) {
      for (const ref of entry.instances) {
        types.add(ref.type);
        if (!this.type || ref.type === this.type) instances.add(ref.instance);
      }
    }
    if (this.type) types.add(this.type);
    if (this.instance) instances.add(this.instance);
    return html`<label>Type ${this.#select('type', types, this.type)}</label><label>Instance ${this.#select('instance', instances, this.instance)}</label>`;
  }

  #select(name: 'type' | 'instance', values: Set<string>, current: string | undefined): TemplateResult {
    return html`<select name=${name} @change=${this.#onFilterChange}>
      <option value="" .selected=${!current}>All</option>
      ${[...values].sort().map((value) => html`<option value=${value} .selected=${value === current}>${value}</option>`)}
    </select>`;
  }

  readonly #toggle = (): void => {
    this.open = !this.open;
  };

  readonly #onFilterChange = (event: Event): void => {
    const select = event.target as HTMLSelectElement;
    const value = select.value || undefined;
    if (select.name === 'type') this.type = value;
    else this.instance = value;
  };

  readonly #onTableClick = (event: Event): void => {
    const button = (event.target as Element).closest<HTMLElement>('button[data-entry]');
    if (!button) return;
    const id = Number(button.dataset.entry);
    if (!this.#expanded.delete(id)) this.#expanded.add(id);
    this.requestUpdate();
  };
}

// The dev bundle defines it, and a page may load `/nasc/na-traffic.js` as well: the first definition stands.
if (!customElements.get('na-traffic')) customElements.define('na-traffic', NaTraffic);

declare global {
  interface HTMLElementTagNameMap {
    'na-traffic': NaTraffic;
  }
}
