/**
 * Heartbeat (config-and-ops.md §8): an HTTP GET to `remoteURL` immediately, then on every
 * occurrence of the `frequency` schedule. Failures are logged and never stop the schedule.
 * Differences from upstream, on purpose: a request timeout, a bad schedule is rejected at
 * start, and the URL (which often embeds a token) is never logged beyond its origin.
 */
import type { Logger } from '../logging/logger.ts';
import { parseTextSchedule, type RunningSchedule, runSchedule } from './schedule.ts';
import { systemTimers, type Timers } from './timers.ts';

export interface HeartbeatOptions {
  /** `heartbeat.remoteURL`. */
  remoteURL: string;
  /** `heartbeat.frequency`, later.js text, e.g. "every 1 hour". */
  frequency: string;
  log: Logger;
  /** Request timeout (default 10 s). */
  timeoutMs?: number;
  timers?: Timers;
  /** Called after each attempt; for tests and status pages. */
  onResult?: (result: { ok: boolean; status?: number; error?: string }) => void;
}

export interface Heartbeat extends RunningSchedule {
  /** Sends one heartbeat now; resolves when it has succeeded or failed. */
  beat(): Promise<boolean>;
}

/** Only the origin of a URL: safe to log even when the path or query holds a token. */
export function safeUrlForLog(url: string): string {
  try {
    return `${new URL(url).origin}/…`;
  } catch {
    return '<invalid URL>';
  }
}

export function startHeartbeat(options: HeartbeatOptions): Heartbeat {
  const { remoteURL, log } = options;
  let url: URL;
  try {
    url = new URL(remoteURL);
  } catch {
    throw new Error('heartbeat.remoteURL: not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error('heartbeat.remoteURL: must be an http:// or https:// URL');
  }
  const schedule = parseTextSchedule(options.frequency, 'heartbeat.frequency');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const shown = safeUrlForLog(remoteURL);

  const beat = async (): Promise<boolean> => {
    try {
      const response = await fetch(url, {
        method: 'GET',
        redirect: 'follow',
        signal: AbortSignal.timeout(timeoutMs),
      });
      // Drain the body so the connection can be reused; its content is not interpreted.
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok) {
        log.error(`HEARTBEAT: Error sending heartbeat: HTTP status ${response.status}`);
        options.onResult?.({ ok: false, status: response.status });
        return false;
      }
      log.debug(`HEARTBEAT: Sent heartbeat to ${shown}`);
      options.onResult?.({ ok: true, status: response.status });
      return true;
    } catch (error) {
      const message = describeFetchError(error, timeoutMs);
      log.error(`HEARTBEAT: Error sending heartbeat: ${message}`);
      options.onResult?.({ ok: false, error: message });
      return false;
    }
  };

  void beat();
  const running = runSchedule(schedule, beat, options.timers ?? systemTimers);
  return { beat, stop: running.stop };
}

/** A short reason without the URL (fetch errors may carry it in their cause). */
function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError')
      return `timed out after ${timeoutMs} ms`;
    const cause = (error as { cause?: { code?: unknown } }).cause;
    if (cause && typeof cause.code === 'string') return `${error.message} (${cause.code})`;
    return error.message;
  }
  return String(error);
}
