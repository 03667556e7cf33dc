import { warnOnce } from './dev-mode.js';
import { nearestName } from './nearest-name.js';

/** What `GET <base>/manifest` answers, reduced to what the checks need: each type's event names. */
type Manifest = ReadonlyMap<string, ReadonlySet<string>>;

/** One request per server (base URL) and page, shared by every scope; undefined when it cannot be read. */
const manifests = new Map<string, Promise<Manifest | undefined>>();

const EVENT_ATTRIBUTES = ['na-click', 'na-submit', 'na-input'] as const;
// A literal, not built from the list: an expression at module level would stay in the production bundle.
const EVENT_SELECTOR = '[na-click],[na-submit],[na-input]';

function readManifest(body: unknown): Manifest | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const manifest = new Map<string, ReadonlySet<string>>();
  for (const [type, entry] of Object.entries(body as Record<string, unknown>)) {
    const events = (entry as { events?: unknown } | null)?.events;
    if (Array.isArray(events)) manifest.set(type, new Set(events.filter((event): event is string => typeof event === 'string')));
  }
  return manifest;
}

function loadManifest(base: URL): Promise<Manifest | undefined> {
  const url = new URL('manifest', base).href;
  let loading = manifests.get(url);
  if (!loading) {
    // No credentials: the manifest is public, and a server on another origin answers it with CORS alone.
    // A server that cannot answer (down, older, behind a proxy) only means no checks: never a warning.
    loading = fetch(url, { headers: { Accept: 'application/json' } })
      .then((response) => (response.ok ? response.json() : undefined))
      .then(readManifest, () => undefined);
    manifests.set(url, loading);
  }
  return loading;
}

function suggestion(name: string, candidates: Iterable<string>): string {
  const nearest = nearestName(name, candidates);
  if (nearest !== undefined) return `; did you mean "${nearest}"?`;
  const all = [...candidates];
  return all.length > 0 ? ` (it has ${all.map((candidate) => `"${candidate}"`).join(', ')})` : '';
}

/** `where` names what sent it: `na-click="toggel"`, or `send("toggel")` for a script. */
function warnUnknownEvent(manifest: Manifest, type: string, name: string, where: string, element?: Element): void {
  const events = manifest.get(type);
  if (!events || events.has(name)) return;
  warnOnce(`unknown-event:${type}:${name}`, `${where}: type "${type}" has no event "${name}"${suggestion(name, events)}`, element);
}

/**
 * The elements with an event attribute that belong to `scope`: those whose nearest scope it is, and those in
 * the templates of its lists (item copies not made yet), each with the element to reveal for it.
 */
function* ownEventElements(scope: Element): Generator<[element: Element, reveal: Element]> {
  for (const element of scope.querySelectorAll(EVENT_SELECTOR)) if (element.closest('na-scope') === scope) yield [element, element];
  for (const template of scope.querySelectorAll('template')) {
    if (template.closest('na-scope') === scope) yield* templateEventElements(template.content, template.parentElement ?? scope);
  }
}

function* templateEventElements(content: DocumentFragment, reveal: Element): Generator<[element: Element, reveal: Element]> {
  // In a template's content, an element with no scope around it belongs to the list's scope.
  for (const element of content.querySelectorAll(EVENT_SELECTOR)) if (element.closest('na-scope') === null) yield [element, reveal];
  for (const nested of content.querySelectorAll('template')) {
    if (nested.closest('na-scope') === null) yield* templateEventElements(nested.content, reveal);
  }
}

/**
 * Development only: checks a scope's `type`, and the event names of the `na-click`, `na-submit` and
 * `na-input` attributes it owns, against the server's manifest, and warns once per mistake with the nearest
 * right name. Without it a misspelt type or event only shows as a 404 over SSE and as nothing over WebSocket.
 */
export function checkScopeNames(scope: Element, type: string, base: URL): void {
  void loadManifest(base).then((manifest) => {
    if (!manifest || !scope.isConnected) return;
    if (!manifest.has(type)) {
      warnOnce(`unknown-type:${type}`, `<na-scope type="${type}">: the server has no type "${type}"${suggestion(type, manifest.keys())}`, scope);
      return;
    }
    for (const [element, reveal] of ownEventElements(scope)) {
      for (const attribute of EVENT_ATTRIBUTES) {
        const name = element.getAttribute(attribute);
        if (name !== null) warnUnknownEvent(manifest, type, name, `${attribute}="${name}"`, reveal);
      }
    }
  });
}

/** Development only: checks one event as it is sent (from an element added later, or from a script). */
export function checkEventName(type: string, event: string, base: URL, element?: Element): void {
  void loadManifest(base).then((manifest) => {
    if (!manifest) return;
    const attribute = element && EVENT_ATTRIBUTES.find((name) => element.getAttribute(name) === event);
    warnUnknownEvent(manifest, type, event, attribute ? `${attribute}="${event}"` : `send("${event}")`, element);
  });
}
