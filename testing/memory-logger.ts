import type { LogFields, Logger } from '../server/index.js';

/** One line a {@link MemoryLogger} kept. */
export interface LogEntry {
  level: 'error' | 'warn' | 'info' | 'debug';
  message: string;
  fields: LogFields;
}

/** A logger that keeps its lines: tests stay quiet and can check what the server logged (e.g. a stack). */
export interface MemoryLogger extends Logger {
  readonly entries: LogEntry[];
}

/**
 * Creates a {@link MemoryLogger}.
 *
 * @example
 * const logger = createMemoryLogger();
 * createNasc({ handlers, logger });
 * assert.ok(logger.entries.some((entry) => entry.level === 'error'));
 */
export function createMemoryLogger(): MemoryLogger {
  const entries: LogEntry[] = [];
  const keep =
    (level: LogEntry['level']) =>
    (message: string, fields: LogFields = {}): void => {
      entries.push({ level, message, fields });
    };
  return { entries, error: keep('error'), warn: keep('warn'), info: keep('info'), debug: keep('debug') };
}
