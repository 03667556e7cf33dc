import { css } from 'lit';

/**
 * The panel's look, in its shadow root. Its colours, monospace font, radius and the log's height come from
 * `--na-traffic-*` custom properties, and its parts are exposed (both documented in docs/html-authors.md); the
 * default colours follow the page's colour scheme. The text font is the page's, inherited.
 */
export const trafficStyles = css`
  :host {
    --_bg: var(--na-traffic-background, Canvas);
    --_fg: var(--na-traffic-color, CanvasText);
    --_muted: var(--na-traffic-muted, color-mix(in srgb, currentColor 62%, transparent));
    --_border: var(--na-traffic-border, color-mix(in srgb, currentColor 20%, transparent));
    --_sent: var(--na-traffic-sent, light-dark(#1d5fbf, #8ab4ff));
    --_received: var(--na-traffic-received, light-dark(#1e7a45, #5fd891));
    --_error: var(--na-traffic-error, light-dark(#b3261e, #ff8a80));
    --_stream: var(--na-traffic-stream, light-dark(#8a5a00, #ffd27a));
    --_highlight: var(--na-traffic-highlight, color-mix(in srgb, var(--_received) 16%, transparent));
    --_focus: var(--na-traffic-focus, light-dark(#2563eb, #8ab4ff));
    --_mono: var(--na-traffic-mono, ui-monospace, SFMono-Regular, Menlo, Consolas, monospace);
    display: block;
    container: na-traffic / inline-size;
    color: var(--_fg);
    background: var(--_bg);
  }

  :host([hidden]) {
    display: none;
  }

  [hidden] {
    display: none !important;
  }

  button,
  select {
    font: inherit;
    color: inherit;
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: 6px;
    padding: 0.15rem 0.6rem;
    min-height: 2rem;
    cursor: pointer;
  }

  :focus-visible {
    outline: 3px solid var(--_focus);
    outline-offset: 2px;
  }

  .header {
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: 1rem;
  }

  h2 {
    margin: 0;
    font-size: 1.2rem;
    line-height: 1.2;
  }

  .toggle {
    display: inline-flex;
    align-items: center;
    gap: 0.4rem;
    border: 0;
    background: none;
    padding: 0.15rem 0.25rem 0.15rem 0;
    font-weight: inherit;
  }

  .toggle::before {
    content: '▸';
    display: inline-block;
    width: 1em;
    font-size: 0.8em;
    color: var(--_muted);
  }

  .toggle[aria-expanded='true']::before {
    content: '▾';
  }

  .toolbar {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    justify-content: space-between;
    gap: 0.25rem 1rem;
    margin: 0.5rem 0;
  }

  .stats {
    margin: 0;
    font-family: var(--_mono);
    font-size: 0.9em;
  }

  .filters {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
  }

  .filters label {
    display: inline-flex;
    align-items: center;
    gap: 0.3rem;
    font-size: 0.9em;
  }

  .filters select {
    max-width: 12rem;
  }

  .note {
    color: var(--_muted);
  }

  .log {
    margin-top: 0.5rem;
    max-height: var(--na-traffic-max-height, min(70vh, 40rem));
    overflow: auto;
    border: 1px solid var(--_border);
    border-radius: var(--na-traffic-radius, 8px);
    font-size: 0.8rem;
  }

  /*
   * Every row is a grid on the same column template, so the columns line up as in a table while each row
   * stays a box of its own: a row off screen is skipped (content-visibility), and one added costs the layout
   * of that row, not of the table. The ARIA roles in the markup keep the table semantics these displays drop.
   */
  table,
  caption,
  thead,
  tbody {
    display: block;
  }

  caption {
    padding: 0.25rem 0.5rem;
    text-align: start;
    color: var(--_muted);
  }

  tr {
    display: grid;
    grid-template-columns: 6.5em 6.5em minmax(7em, 1fr) minmax(10em, 3fr) 3em 10em 5.5em 4.5em;
    border-bottom: 1px solid var(--_border);
  }

  thead tr {
    position: sticky;
    top: 0;
    z-index: 1;
    background: var(--_bg);
  }

  tr.entry {
    content-visibility: auto;
    contain-intrinsic-size: auto 2.4em;
  }

  th,
  td {
    display: block;
    min-width: 0;
    padding: 0.3rem 0.5rem;
  }

  th {
    text-align: start;
    font-weight: 600;
    white-space: nowrap;
  }

  td.time,
  td.rev,
  td.result,
  td.via {
    font-family: var(--_mono);
  }

  td.time,
  td.result span {
    color: var(--_muted);
  }

  td.dir {
    font-weight: 700;
    white-space: nowrap;
  }

  [data-kind='sent'] td.dir {
    color: var(--_sent);
  }

  [data-kind='received'] td.dir {
    color: var(--_received);
  }

  [data-kind='error'] td.dir {
    color: var(--_error);
  }

  [data-kind='stream'] td.dir {
    color: var(--_stream);
  }

  td.instance span,
  td.message code,
  td.result span {
    display: block;
  }

  td.instance {
    overflow-wrap: break-word;
  }

  td.message code {
    font-family: var(--_mono);
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }

  td.result .ack {
    color: var(--_received);
  }

  td.result .error {
    color: var(--_error);
  }

  td.result .retry {
    color: var(--_stream);
  }

  td.json {
    text-align: end;
  }

  td.json button {
    min-height: 0;
    padding: 0 0.4rem;
    font-size: 0.9em;
  }

  tr.json-row {
    display: block;
  }

  tr.json-row > td {
    background: color-mix(in srgb, currentColor 4%, transparent);
  }

  tr.json-row pre {
    margin: 0;
    max-height: 20rem;
    overflow: auto;
    font-family: var(--_mono);
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }

  tr.empty {
    display: block;
  }

  td.empty {
    padding: 0.75rem 0.5rem;
    color: var(--_muted);
    text-align: center;
  }

  tr.fresh {
    animation: na-traffic-arrive 1.2s ease-out;
  }

  @keyframes na-traffic-arrive {
    from {
      background-color: var(--_highlight);
    }
  }

  @media (prefers-reduced-motion: reduce) {
    tr.fresh {
      animation: none;
    }
  }

  /* Too narrow for the columns: each row stacks into a small card, its headings only for assistive technology. */
  @container na-traffic (max-width: 45rem) {
    thead {
      position: absolute;
      width: 1px;
      height: 1px;
      overflow: hidden;
      clip-path: inset(50%);
      white-space: nowrap;
    }

    tr.entry {
      grid-template-columns: auto auto minmax(0, 1fr) auto auto;
      grid-template-areas:
        'time dir instance instance via'
        'message message message message message'
        'result result result rev json';
      column-gap: 0.5rem;
      padding: 0.35rem 0.5rem;
      contain-intrinsic-size: auto 4.5em;
    }

    tr.entry > td {
      padding: 0;
    }

    tr.entry > td:empty {
      display: none;
    }

    td.time {
      grid-area: time;
    }

    td.dir {
      grid-area: dir;
    }

    td.instance {
      grid-area: instance;
    }

    td.via {
      grid-area: via;
      color: var(--_muted);
    }

    td.message {
      grid-area: message;
      padding-top: 0.15rem !important;
    }

    td.result {
      grid-area: result;
    }

    td.rev {
      grid-area: rev;
      color: var(--_muted);
    }

    td.rev:not(:empty)::before {
      content: '@';
    }

    td.json {
      grid-area: json;
    }
  }
`;
