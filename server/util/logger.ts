/** Log levels, most to least severe. */
export const LogLevel = { Error: 'error', Warn: 'warn', Info: 'info', Debug: 'debug', Silent: 'silent' } as const;
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

/** A level a line is written at. */
export type LineLevel = Exclude<LogLevel, 'silent'>;

/** Structured fields of one log line. */
export type LogFields = Record<string, string | number | boolean | undefined>;

/**
 * Where Nasc writes its logs: one structured line per call, the message first (as `console` and winston
 * take it). A pino logger is taken as it is too (see {@link toLogger}).
 */
export interface Logger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  /**
   * Whether lines at `level` are written. Nasc asks before it builds the fields of a line it writes often
   * (one per event, one per request), so a level that is off costs nothing. Without it, every level is on.
   */
  isLevelEnabled?(level: LineLevel): boolean;
}

/** A logger called fields first, `info(fields, message)`: pino (and bunyan, and their likes). */
export interface FieldsFirstLogger {
  error(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  debug(fields: object, message?: string): void;
  isLevelEnabled?(level: string): boolean;
}

/** A {@link Logger} that always says whether a level is on. */
export type LevelledLogger = Logger & { isLevelEnabled(level: LineLevel): boolean };

/** Every pino logger, of any version, and its children carry this symbol (pino calls it public). */
const PINO_MARK = Symbol.for('pino.serializers');

const RANK: Record<LogLevel, number> = { silent: -1, error: 0, warn: 1, info: 2, debug: 3 };

/**
 * The logger Nasc writes through, from what the app passed: a pino logger (recognised by the mark every pino
 * logger carries) is called its own way, fields first; any other is called message first, as {@link Logger}
 * says; none is the console logger. The result always answers `isLevelEnabled`.
 *
 * @example
 * createNasc({ handlers, logger: pino() }); // lines go through pino: its level, redaction and transports apply
 */
export function toLogger(logger?: Logger | FieldsFirstLogger): LevelledLogger {
  if (logger === undefined) return createConsoleLogger();
  if (PINO_MARK in logger) return fieldsFirst(logger as FieldsFirstLogger);
  const given = logger as Logger;
  if (typeof given.isLevelEnabled === 'function') return given as LevelledLogger;
  return {
    error: (message, fields) => given.error(message, fields),
    warn: (message, fields) => given.warn(message, fields),
    info: (message, fields) => given.info(message, fields),
    debug: (message, fields) => given.debug(message, fields),
    isLevelEnabled: () => true,
  };
}

/**
 * Adapts a logger called fields first (pino, bunyan) to Nasc's {@link Logger}. {@link toLogger} does this by
 * itself for pino; call it for another such logger.
 *
 * @example
 * createNasc({ handlers, logger: fieldsFirst(bunyan.createLogger({ name: 'app' })) });
 */
export function fieldsFirst(logger: FieldsFirstLogger): LevelledLogger {
  const levelled = typeof logger.isLevelEnabled === 'function';
  return {
    error: (message, fields) => logger.error(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    info: (message, fields) => logger.info(fields ?? {}, message),
    debug: (message, fields) => logger.debug(fields ?? {}, message),
    isLevelEnabled: (level) => (levelled ? logger.isLevelEnabled!(level) : true),
  };
}

/**
 * A logger that writes one JSON line per entry to stderr, at `level` and above (default `warn`, so events
 * make no noise; `NASC_LOG_LEVEL` overrides). It is the default: an app that wants pino passes its own
 * logger, whose level, redaction and transports then apply to Nasc's lines as to its own.
 */
export function createConsoleLogger(level: LogLevel = defaultLevel()): LevelledLogger {
  const write = (entryLevel: LineLevel, message: string, fields?: LogFields): void => {
    if (RANK[entryLevel] > RANK[level]) return;
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: entryLevel, msg: message, ...fields })}\n`);
  };
  return {
    error: (message, fields) => write('error', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    info: (message, fields) => write('info', message, fields),
    debug: (message, fields) => write('debug', message, fields),
    isLevelEnabled: (entryLevel) => RANK[entryLevel] <= RANK[level],
  };
}

function defaultLevel(): LogLevel {
  const fromEnv = process.env.NASC_LOG_LEVEL;
  return fromEnv && fromEnv in RANK ? (fromEnv as LogLevel) : LogLevel.Warn;
}

/**
 * Writes a request's `debug` line: method, path (without its query), status and time. Nothing else of the
 * request: no header, no cookie, no body. `startedAt` is `performance.now()` when it came in.
 */
export function logRequest(logger: Logger, method: string, path: string, status: number, startedAt: number): void {
  logger.debug('request', { method, path, status, ms: Math.round((performance.now() - startedAt) * 100) / 100 });
}
