/**
 * The logger every module receives. Levels are upstream Butler SOS's (winston npm levels):
 * error, warn, info, verbose, debug, silly. Modules take a Logger as a parameter instead of
 * importing a global one, so tests can capture what a module logs.
 */
import pino from 'pino';
import { type DailyFileOptions, DailyFileStream } from './daily-file.ts';

export type { DailyFileOptions } from './daily-file.ts';

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

type LogMethod = (message: string, context?: LogContext) => void;

/** A Logger whose method for each level is `at(level)`. */
function loggerOf(at: (level: LogLevel) => LogMethod, child: Logger['child']): Logger {
  return {
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    verbose: at('verbose'),
    debug: at('debug'),
    silly: at('silly'),
    child,
  };
}

function wrap(p: pino.Logger<LogLevel>): Logger {
  return loggerOf(
    (level) => (message, context) => {
      if (context === undefined) p[level](message);
      else p[level](context, message);
    },
    (bindings) => wrap(p.child(bindings)),
  );
}

/** Options of the operator-facing logger (docs/reference/runtime.md#logging). */
export interface LoggerOptions {
  /**
   * Applied to every finished line (console and file) before it is written, so that no
   * secret reaches any log output. The config module provides `createSecretRedactor(config)`.
   */
  redact?: (line: string) => string;
  /** Daily log files (`fileLogging: true`): directory and retention. */
  file?: DailyFileOptions;
  /** `text` (default): `<ISO time> <level>: <message>`; `json`: one pino JSON object per line. */
  format?: 'text' | 'json';
  /** Console destination (default stdout); `false` for no console output. */
  console?: { write(line: string): unknown } | false;
  /** ANSI colour for the level word on the console (default: when stdout is a TTY). */
  colour?: boolean;
}

/** The logger returned by `createLogger`: a Logger plus lifecycle controls for `main`. */
export interface ManagedLogger extends Logger {
  /** Changes the level of this logger and all its children (e.g. after `--loglevel`). */
  setLevel(level: LogLevel): void;
  /** The log file currently written, when file logging is on. */
  readonly currentFile: string | undefined;
  /** Writes buffered file output now (before `process.exit`). */
  flushSync(): void;
  /** Flushes and closes the log file. */
  close(): Promise<void>;
}

const ANSI_COLOUR: Record<LogLevel, string> = {
  error: '\x1b[31m',
  warn: '\x1b[33m',
  info: '\x1b[32m',
  verbose: '\x1b[36m',
  debug: '\x1b[34m',
  silly: '\x1b[35m',
};
const LEVEL_BY_NUMBER = new Map<number, LogLevel>(LOG_LEVELS.map((l) => [PINO_LEVELS[l], l]));

interface PinoLine {
  level: number;
  time: string;
  msg?: string;
  [key: string]: unknown;
}

/**
 * Turns one pino JSON line into upstream's text layout. Context keys follow the message as
 * compact JSON; an error's stack trace follows on its own lines (upstream prints stacks).
 */
export function formatTextLine(json: string, colour: boolean): string {
  const { level, time, msg, ...rest } = JSON.parse(json) as PinoLine;
  const name = LEVEL_BY_NUMBER.get(level) ?? String(level);
  const levelWord = colour ? `${ANSI_COLOUR[name as LogLevel] ?? ''}${name}\x1b[39m` : name;
  let line = `${time} ${levelWord}: ${msg ?? ''}`;
  let stack = '';
  for (const key of ['err', 'error']) {
    const e = rest[key] as { stack?: unknown; message?: unknown } | undefined;
    if (e && typeof e === 'object' && typeof e.stack === 'string') {
      stack += `\n${e.stack}`;
      rest[key] = e.message;
    }
  }
  if (Object.keys(rest).length > 0) line += ` ${JSON.stringify(rest)}`;
  return `${line}${stack}\n`;
}

const baseOptions = (level: LogLevel) =>
  ({
    level,
    customLevels: PINO_LEVELS,
    useOnlyCustomLevels: true,
    base: undefined,
  }) satisfies pino.LoggerOptions<LogLevel>;

function isStream(x: unknown): x is pino.DestinationStream {
  return typeof x === 'object' && x !== null && typeof (x as { write?: unknown }).write === 'function';
}

/**
 * A pino-backed logger.
 *
 * - `createLogger(level)` / `createLogger(level, stream)`: pino JSON lines to stdout or the
 *   stream (the original contract, unchanged).
 * - `createLogger(level, options)`: the operator logger (docs/reference/runtime.md#logging):
 *   text lines on the console (coloured level word on a TTY), optional daily files without
 *   colour, and a redaction hook applied to every line.
 */
export function createLogger(level?: LogLevel, destination?: pino.DestinationStream): ManagedLogger;
export function createLogger(level: LogLevel, options: LoggerOptions): ManagedLogger;
export function createLogger(
  level: LogLevel = 'info',
  destinationOrOptions?: pino.DestinationStream | LoggerOptions,
): ManagedLogger {
  if (destinationOrOptions === undefined || isStream(destinationOrOptions)) {
    const p = destinationOrOptions
      ? pino<LogLevel>(baseOptions(level), destinationOrOptions)
      : pino<LogLevel>(baseOptions(level));
    return manage(p, undefined);
  }
  const options = destinationOrOptions;
  const redact = options.redact ?? ((line: string) => line);
  const format = options.format ?? 'text';
  const consoleOut = options.console === undefined ? process.stdout : options.console;
  const colour = options.colour ?? (consoleOut === process.stdout && process.stdout.isTTY === true);
  const file = options.file ? new DailyFileStream(options.file) : undefined;

  const destination: pino.DestinationStream = {
    write(json: string): void {
      // Each output is isolated: a formatting or redaction failure must not lose the line
      // elsewhere, and must never throw into the caller.
      try {
        if (format === 'json') {
          const line = redact(json);
          if (consoleOut) consoleOut.write(line);
          file?.write(line);
          return;
        }
        const plain = redact(formatTextLine(json, false));
        if (consoleOut) consoleOut.write(colour ? redact(formatTextLine(json, true)) : plain);
        file?.write(plain);
      } catch {
        // Swallowed deliberately: logging must never take the agent down.
      }
    },
  };
  const p = pino<LogLevel>(
    {
      ...baseOptions(level),
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    },
    destination,
  );
  return manage(p, file);
}

function manage(p: pino.Logger<LogLevel>, file: DailyFileStream | undefined): ManagedLogger {
  return {
    ...wrap(p),
    setLevel(level: LogLevel): void {
      p.level = level;
    },
    get currentFile(): string | undefined {
      return file?.currentFile;
    },
    flushSync(): void {
      file?.flushSync();
    },
    close(): Promise<void> {
      return file ? file.end() : Promise.resolve();
    },
  };
}

/** A logger that records every call; for tests. */
export interface RecordedLine {
  level: LogLevel;
  message: string;
  context: LogContext | undefined;
}
export function createRecordingLogger(lines: RecordedLine[] = []): Logger & { lines: RecordedLine[] } {
  const make = (bound: LogContext): Logger =>
    loggerOf(
      (level) => (message, context) => {
        lines.push({
          level,
          message,
          context: context || Object.keys(bound).length ? { ...bound, ...context } : undefined,
        });
      },
      (bindings) => make({ ...bound, ...bindings }),
    );
  return Object.assign(make({}), { lines });
}
