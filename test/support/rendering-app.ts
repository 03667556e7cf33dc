import { Hono } from 'hono';
import { createConsoleLogger, createNasc, LogLevel, type AnyHandler, type Nasc, type NascOptions } from '../../server/index.js';

/**
 * A Hono app with Nasc under `/nasc` and `GET /` rendered by `nasc.render()` from `page()`, for the render
 * and form tests. `Profile/mine` is each session's own profile (stored as `p-<session>`); naming another
 * session's outright is refused by `authorize`, as an app keeps profiles private.
 */
export function renderingApp(handlers: Record<string, AnyHandler>, page: () => string, options: Partial<NascOptions> = {}): { app: Hono; nasc: Nasc } {
  const nasc = createNasc({
    handlers,
    sessions: { secret: 'rendering-test-secret-0123456789abcdefgh' },
    logger: createConsoleLogger(LogLevel.Silent),
    resolveInstance: ({ session, instance }) => (instance === 'mine' ? `p-${session}` : instance),
    authorize: ({ session, instance }) => !instance.startsWith('p-') || instance === `p-${session}`,
    ...options,
  });
  const app = new Hono();
  app.route('/nasc', nasc.app);
  app.get('/', nasc.render(), (c) => c.html(page()));
  app.get('/plain', nasc.render(), (c) => c.json({ page: page() }));
  return { app, nasc };
}
