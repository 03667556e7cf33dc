import type { LineLevel, LogFields, Logger } from '../server/index.js';

/** One line a {@link MemoryLogger} kept. */
export interface LogEntry {
  level: 'error' | 'warn' | 'info' | 'debug';
  message: string;
  fields: LogFields;
}

/** A logger that keeps its lines: tests stay quiet and can check what the server logged (e.g. a stack). */
export interface MemoryLogger extends Logger {
  readonly entries: LogEntry[];
  isLevelEnabled(level: LineLevel): boolean;
}

const RANK: Record<LineLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/**
 * Creates a {@link MemoryLogger} keeping the lines at `level` and above (default `debug`: every line).
 *
 * @example
 * const logger = createMemoryLogger();
 * createNasc({ handlers, logger });
 * assert.ok(logger.entries.some((entry) => entry.level === 'error'));
 */
export function createMemoryLogger(level: LineLevel = 'debug'): MemoryLogger {
  const entries: LogEntry[] = [];
  const isLevelEnabled = (asked: LineLevel): boolean => RANK[asked] <= RANK[level];
  const keep =
    (entryLevel: LogEntry['level']) =>
    (message: string, fields: LogFields = {}): void => {
      if (isLevelEnabled(entryLevel)) entries.push({ level: entryLevel, message, fields });
    };
  return { entries, error: keep('error'), warn: keep('warn'), info: keep('info'), debug: keep('debug'), isLevelEnabled };
}
