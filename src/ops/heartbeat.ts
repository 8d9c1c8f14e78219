/**
 * Heartbeat (docs/reference/runtime.md#heartbeat): an HTTP GET to `remoteURL` immediately, then on every
 * occurrence of the `frequency` schedule. Failures are logged and never stop the schedule.
 * Differences from upstream, on purpose: a request timeout, a bad schedule is rejected at
 * start, and the URL (which often embeds a token) is never logged beyond its origin.
 */
import { requestOnce } from '../http/client.ts';
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
      // The answer's content is not interpreted; redirects are followed.
      const response = await requestOnce(url, { method: 'GET', timeoutMs });
      if (response.status < 200 || response.status > 299) {
        log.error(`HEARTBEAT: Error sending heartbeat: HTTP status ${response.status}`);
        options.onResult?.({ ok: false, status: response.status });
        return false;
      }
      log.debug(`HEARTBEAT: Sent heartbeat to ${shown}`);
      options.onResult?.({ ok: true, status: response.status });
      return true;
    } catch (error) {
      const message = describeRequestError(error, timeoutMs);
      log.error(`HEARTBEAT: Error sending heartbeat: ${message}`);
      options.onResult?.({ ok: false, error: message });
      return false;
    }
  };

  void beat();
  const running = runSchedule(schedule, beat, options.timers ?? systemTimers);
  return { beat, stop: running.stop };
}

/** A short reason without the URL: the timeout, or the error with its code. */
function describeRequestError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return `timed out after ${timeoutMs} ms`;
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && !error.message.includes(code)) return `${error.message} (${code})`;
    return error.message;
  }
  return String(error);
}
