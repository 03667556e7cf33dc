import { PageConnection, type ConnectionOptions } from './page-connection.js';

let pageConnection: PageConnection | undefined;

/** The page's connection, created on first use. */
export function getPageConnection(): PageConnection {
  return (pageConnection ??= new PageConnection());
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
