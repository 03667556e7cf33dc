import { ContextProvider, ContextRoot } from '@lit/context';
import { connectionContext } from './contexts.js';
import { getPageConnection } from './page-connection.js';

let installed = false;

/**
 * Provides the page connection at the document root, with a `ContextRoot` so elements defined before their
 * provider still get it. Idempotent; every element module imports this one, so it runs before any element
 * is defined (and upgraded elements ask for the connection).
 */
export function installPageContext(): void {
  if (installed || typeof document === 'undefined') return;
  installed = true;
  const root = document.documentElement;
  new ContextRoot().attach(root);
  new ContextProvider(root, { context: connectionContext, initialValue: getPageConnection() });
}

installPageContext();
