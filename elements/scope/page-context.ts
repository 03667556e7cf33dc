import { connectionContext } from './contexts.js';
import { holdUnansweredRequests } from './context-root.js';
import { provideContext } from './context-protocol.js';
import { claimContextRoot, getPageConnection } from '../connection/page-registry.js';

/**
 * Provides the page connection at the document root, and holds requests no provider answered yet (at the
 * document, above every provider) so elements defined before their provider still get it. Once per page, not
 * per copy of Nasc on it (see page-registry.ts): two providers would answer every request twice. Every
 * element module imports this one, so it runs before any element is defined (and upgraded elements ask for
 * the connection).
 */
export function installPageContext(): void {
  if (typeof document === 'undefined' || !claimContextRoot()) return;
  provideContext(document.documentElement, connectionContext, getPageConnection());
  holdUnansweredRequests(document);
}

installPageContext();
