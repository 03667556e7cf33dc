/** Log levels, most to least severe. */
export const LogLevel = { Error: 'error', Warn: 'warn', Info: 'info', Debug: 'debug', Silent: 'silent' } as const;
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

/** Structured fields of one log line. */
export type LogFields = Record<string, string | number | boolean | undefined>;

/** Where Nasc writes its logs: one structured line per call. */
export interface Logger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
}

const RANK: Record<LogLevel, number> = { silent: -1, error: 0, warn: 1, info: 2, debug: 3 };

/**
 * A logger that writes one JSON line per entry to stderr, at `level` and above (default `warn`, so events
 * make no noise; `NASC_LOG_LEVEL` overrides).
 */
export function createConsoleLogger(level: LogLevel = defaultLevel()): Logger {
  const write = (entryLevel: Exclude<LogLevel, 'silent'>, message: string, fields?: LogFields): void => {
    if (RANK[entryLevel] > RANK[level]) return;
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: entryLevel, msg: message, ...fields })}\n`);
  };
  return {
    error: (message, fields) => write('error', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    info: (message, fields) => write('info', message, fields),
    debug: (message, fields) => write('debug', message, fields),
  };
}

function defaultLevel(): LogLevel {
  const fromEnv = process.env.NASC_LOG_LEVEL;
  return fromEnv && fromEnv in RANK ? (fromEnv as LogLevel) : LogLevel.Warn;
}
