/**
 * The logger every module receives. Levels are upstream Butler SOS's (winston npm levels):
 * error, warn, info, verbose, debug, silly. Modules take a Logger as a parameter instead of
 * importing a global one, so tests can capture what a module logs.
 */
import pino from 'pino';

export const LOG_LEVELS = ['error', 'warn', 'info', 'verbose', 'debug', 'silly'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogContext = Record<string, unknown>;

export interface Logger {
  error(message: string, context?: LogContext): void;
  warn(message: string, context?: LogContext): void;
  info(message: string, context?: LogContext): void;
  verbose(message: string, context?: LogContext): void;
  debug(message: string, context?: LogContext): void;
  silly(message: string, context?: LogContext): void;
  child(bindings: LogContext): Logger;
}

/** pino numeric levels for the upstream level names. */
export const PINO_LEVELS: Record<LogLevel, number> = {
  error: 50,
  warn: 40,
  info: 30,
  verbose: 25,
  debug: 20,
  silly: 10,
};

function wrap(p: pino.Logger<LogLevel>): Logger {
  const at =
    (level: LogLevel) =>
    (message: string, context?: LogContext): void => {
      if (context === undefined) p[level](message);
      else p[level](context, message);
    };
  return {
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    verbose: at('verbose'),
    debug: at('debug'),
    silly: at('silly'),
    child: (bindings) => wrap(p.child(bindings)),
  };
}

/** A pino-backed logger writing JSON lines to stdout (or the given destination). */
export function createLogger(level: LogLevel = 'info', destination?: pino.DestinationStream): Logger {
  const options = {
    level,
    customLevels: PINO_LEVELS,
    useOnlyCustomLevels: true,
    base: undefined,
  } satisfies pino.LoggerOptions<LogLevel>;
  const p = destination ? pino<LogLevel>(options, destination) : pino<LogLevel>(options);
  return wrap(p);
}

/** A logger that records every call; for tests. */
export interface RecordedLine {
  level: LogLevel;
  message: string;
  context: LogContext | undefined;
}
export function createRecordingLogger(lines: RecordedLine[] = []): Logger & { lines: RecordedLine[] } {
  const make = (bound: LogContext): Logger => {
    const at =
      (level: LogLevel) =>
      (message: string, context?: LogContext): void => {
        lines.push({
          level,
          message,
          context: context || Object.keys(bound).length ? { ...bound, ...context } : undefined,
        });
      };
    return {
      error: at('error'),
      warn: at('warn'),
      info: at('info'),
      verbose: at('verbose'),
      debug: at('debug'),
      silly: at('silly'),
      child: (bindings) => make({ ...bound, ...bindings }),
    };
  };
  return Object.assign(make({}), { lines });
}
