/**
 * A page where another copy of Nasc (another version) ran first: this copy joins it instead of defining the
 * elements again or opening its own connection, and warns about the two versions once. The share is set up
 * here as the other copy leaves it, before this file imports the elements (dynamically, so it runs after).
 * test/package/lit-composer.test.ts loads two real copies (the prebuilt bundle and an app's bundle).
 */
import { deepEqual, equal, ok } from '../browser-support/assert.js';
import { describe, it } from '../browser-support/mocha.js';

const SHARE = Symbol.for('nasc.page');
interface Share {
  versions: string[];
  connection: unknown;
  contextProvided: boolean;
}

/** What an older copy leaves: its version, its connection and its provider at the root, its `<na-connection>`. */
const otherConnection = new EventTarget();
const share: Share = { versions: ['0.0.1-older'], connection: otherConnection, contextProvided: true };
(globalThis as unknown as Record<symbol, Share>)[SHARE] = share;
class OtherNaConnection extends HTMLElement {}
customElements.define('na-connection', OtherNaConnection);

const warnings: string[] = [];
const warn = console.warn;
console.warn = (...args: unknown[]) => {
  warnings.push(args.map(String).join(' '));
  warn.apply(console, args);
};
let imported: typeof import('../../elements/index.js') | undefined;
let importError: unknown;
try {
  imported = await import('../../elements/index.js');
  // The warning waits a microtask, for the overlay to subscribe.
  await new Promise((resolve) => setTimeout(resolve, 0));
} catch (error) {
  importError = error;
} finally {
  console.warn = warn;
}

describe('joining a page another copy of Nasc is on', () => {
  it('imports without throwing though <na-connection> is taken, and leaves the other definition', () => {
    equal(importError, undefined);
    equal(customElements.get('na-connection'), OtherNaConnection);
    ok(customElements.get('na-scope'), 'names nobody took are defined');
  });

  it('uses the connection already on the page', () => {
    equal(imported!.getPageConnection() as unknown, otherConnection);
  });

  it('records its version and warns once that two versions met', () => {
    deepEqual(share.versions, ['0.0.1-older', 'dev']);
    const about = warnings.filter((line) => line.includes('two Nasc versions'));
    equal(about.length, 1, `one warning (got ${JSON.stringify(warnings)})`);
    ok(about[0]!.includes('0.0.1-older') && about[0]!.includes('dev'), 'it names both versions');
  });

  it('does not provide the connection at the root a second time', () => {
    let answers = 0;
    const request = Object.assign(new Event('context-request', { bubbles: true, composed: true }), {
      context: imported!.connectionContext,
      callback: () => answers++,
      subscribe: false,
    });
    document.body.dispatchEvent(request);
    equal(answers, 0, 'the other copy provides it (here: nobody, so nothing answers)');
  });
});
