import { warnOnce } from '../dev/dev-mode.js';
import { PageConnection, type ConnectionOptions } from './page-connection.js';

/** package.json's version, written in by the bundle builds (esbuild `define`); absent from tsc's own output. */
declare const NASC_BUILD_VERSION: string | undefined;

/** This copy's version: `dev` in the unbundled build the tests load. */
export const NASC_VERSION: string = typeof NASC_BUILD_VERSION === 'string' ? NASC_BUILD_VERSION : 'dev';

/**
 * What every copy of Nasc on a page shares. A page may load two: the prebuilt `/nasc/nasc.js` and an app's
 * bundle that imports `nasc/elements`, each with its own modules. The first copy to run defines the elements
 * and makes the connection; the others find both here (under a `Symbol.for` key on `globalThis`, which every
 * copy names alike) instead of defining `<na-scope>` again, which throws, or opening a second stream.
 */
interface PageShare {
  /** The version of each copy that has run on the page, in order. */
  readonly versions: string[];
  connection: PageConnection | undefined;
  /** Set by the first copy that provided the connection at the document root (scope/page-context.ts). */
  contextProvided: boolean;
}

const PAGE_SHARE = Symbol.for('nasc.page');

function pageShare(): PageShare {
  const holder = globalThis as { [PAGE_SHARE]?: PageShare };
  return (holder[PAGE_SHARE] ??= { versions: [], connection: undefined, contextProvided: false });
}

/**
 * Joins this copy to the page's share, warning (in dev builds) when another version is already there: the
 * elements and the connection are the first copy's, and an API one copy has and the other lacks fails.
 */
function joinPage(): PageShare {
  const share = pageShare();
  const other = share.versions.find((version) => version !== NASC_VERSION);
  // Tested in place, so the production bundle drops the message (see dev-mode.ts).
  if (globalThis.NASC_DEV_MODE !== false && other !== undefined) {
    // On the next microtask: the dev overlay subscribes to warnings once this copy's entry module has run.
    queueMicrotask(() =>
      warnOnce(
        'two-versions',
        `two Nasc versions on one page: ${other} (first, whose elements and connection every copy uses) and ${NASC_VERSION}. ` +
          'The bundle the server serves (/nasc/nasc.js) and the nasc/elements your app bundles must come from one release.',
      ),
    );
  }
  share.versions.push(NASC_VERSION);
  return share;
}

const share = joinPage();

/** The page's connection, created on first use, shared by every copy of Nasc on the page. */
export function getPageConnection(): PageConnection {
  return (share.connection ??= new PageConnection());
}

/**
 * Configures the page's connection and returns it; call before the first scope connects.
 *
 * @example
 * import { connect } from '/nasc/nasc.js';
 * connect({ transport: 'ws' });
 */
export function connect(options: ConnectionOptions = {}): PageConnection {
  const connection = getPageConnection();
  connection.configure(options);
  return connection;
}

/**
 * Marks the page connection provided at the document root; false when another copy of Nasc already did it
 * (a second provider would answer every request twice).
 */
export function claimContextRoot(): boolean {
  if (share.contextProvided) return false;
  share.contextProvided = true;
  return true;
}

/**
 * Defines a custom element unless the name is taken: by another copy of Nasc on the page (whose element then
 * serves this copy too: they speak to the same connection through the same contexts), or by the app.
 */
export function defineElement(name: string, constructor: CustomElementConstructor): void {
  if (!customElements.get(name)) customElements.define(name, constructor);
}
