/**
 * Last-resort process safety net (docs/reference/runtime.md#process-safety-net). Every poller and
 * sink catches its own errors; this handles only what escapes them. An uncaught exception or an
 * unhandled promise rejection is logged with its stack, announced on stderr, handed to `onFatal`
 * (flush logs, write a crash dump, stop listeners: bounded by a timeout), and the process exits
 * with code 1 rather than running half-dead.
 */
import type { Logger } from '../logging/logger.ts';

export type FatalSource = 'uncaughtException' | 'unhandledRejection';

export interface SafetyNetOptions {
  /** Applied to the stderr line (the logger redacts its own output). */
  redact?: (text: string) => string;
  /** Longest wait for `onFatal` before exiting anyway (default 5 s). */
  fatalTimeoutMs?: number;
  /** Injectable for tests. */
  process?: Pick<NodeJS.Process, 'on' | 'removeListener' | 'exit'>;
  stderr?: { write(text: string): unknown };
}

const LABEL: Record<FatalSource, string> = {
  uncaughtException: 'Uncaught exception',
  unhandledRejection: 'Unhandled promise rejection',
};

function describe(reason: unknown): string {
  if (reason instanceof Error) return `${reason.name}: ${reason.message}`;
  try {
    return typeof reason === 'string' ? reason : JSON.stringify(reason);
  } catch {
    return String(reason);
  }
}

/** Installs the handlers; returns a function that removes them. */
export function installProcessSafetyNet(
  log: Logger,
  onFatal: (error: unknown, source: FatalSource) => void | Promise<void>,
  options: SafetyNetOptions = {},
): () => void {
  const proc = options.process ?? process;
  const stderr = options.stderr ?? process.stderr;
  const redact = options.redact ?? ((s: string) => s);
  const timeoutMs = options.fatalTimeoutMs ?? 5000;
  let handling = false;

  const handle = (source: FatalSource) => (reason: unknown) => {
    // A second failure while shutting down must not start another shutdown.
    if (handling) return;
    handling = true;
    const text = `${LABEL[source]}: ${describe(reason)}`;
    // Each step is isolated: a broken log transport must not prevent the exit.
    try {
      log.error(`FATAL: ${text}`, {
        error: reason instanceof Error ? reason : new Error(describe(reason)),
        source,
      });
    } catch {}
    try {
      stderr.write(`FATAL: ${redact(text)}. Butler SOS is stopping (exit code 1).\n`);
    } catch {}
    let finished = false;
    const exit = () => {
      if (finished) return;
      finished = true;
      proc.exit(1);
    };
    // Not unref'd: if onFatal hangs, this timer is what still ends the process with code 1.
    const timer = setTimeout(exit, timeoutMs);
    Promise.resolve()
      .then(() => onFatal(reason, source))
      .catch(() => undefined)
      .finally(() => {
        clearTimeout(timer);
        exit();
      });
  };

  const onException = handle('uncaughtException');
  const onRejection = handle('unhandledRejection');
  proc.on('uncaughtException', onException);
  proc.on('unhandledRejection', onRejection);
  return () => {
    proc.removeListener('uncaughtException', onException);
    proc.removeListener('unhandledRejection', onRejection);
  };
}
