import { createContext } from '@lit/context';
import type { PageConnection } from '../connection/page-connection.js';
import type { Scope } from './scope.js';

/** The page's connection, provided at the document root (and by any element that wants its own). */
export const connectionContext = createContext<PageConnection>(Symbol.for('nasc:connection'));

/** The nearest scope: an `<na-scope>`, or a keyed-list item inside one. */
export const scopeContext = createContext<Scope>(Symbol.for('nasc:scope'));
