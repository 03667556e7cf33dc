import { connectionContext } from './contexts.js';
import { holdUnansweredRequests } from './context-root.js';
import { provideContext } from './context-protocol.js';
import { getPageConnection } from '../connection/page-registry.js';

let installed = false;

/**
 * Provides the page connection at the document root, and holds requests no provider answered yet (at the
 * document, above every provider) so elements defined before their provider still get it. Idempotent; every
 * element module imports this one, so it runs before any element is defined (and upgraded elements ask for
 * the connection).
 */
export function installPageContext(): void {
  if (installed || typeof document === 'undefined') return;
  installed = true;
  provideContext(document.documentElement, connectionContext, getPageConnection());
  holdUnansweredRequests(document);
}

installPageContext();
