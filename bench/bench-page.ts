/** Which client the click page loads: Nasc's elements, or the hand-written floor client. */
export type PageClient = 'nasc' | 'floor';

/** The instance id a page shows: `?instance=` when it is a plain id, else `click`. */
export function pageInstance(search: string): string {
  const instance = new URLSearchParams(search).get('instance') ?? '';
  return /^[\w-]{1,64}$/.test(instance) ? instance : 'click';
}

/**
 * The click benchmark's page: one toggle button and one bound value in a scope. The markup is the same for
 * both clients; only the script differs (`/nasc/nasc.js`, or `/floor-client.js` against the bare server).
 */
export function benchPage(client: PageClient, instance: string): string {
  const script = client === 'nasc' ? '/nasc/nasc.js' : '/floor-client.js';
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Nasc click bench (${client})</title>
<script type="module" src="${script}"></script></head>
<body>
<na-scope type="Toggle" instance="${instance}">
  <button id="toggle" type="button" na-click="toggle">Toggle</button>
  <output id="out"><na-bind prop="on">unknown</na-bind></output>
</na-scope>
</body>
</html>
`;
}

/**
 * Headers that make the click page cross-origin isolated: Chromium then gives `performance.now()` 5 µs
 * steps instead of 100 µs, which is the size of the gaps being compared. Both pages load only same-origin
 * resources, so nothing else changes.
 */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const;
