/**
 * Logging of refused requests that cannot flood the log: per reason, the first refusal of an
 * interval is logged at once and the rest are counted and summed up in one line when the
 * interval ends. The URL is redacted (a token in a query string stays out of the log) and then
 * cut to a readable length, so a 16 KB URL costs a line of ~200 characters.
 */
import type { Logger } from '../logging/logger.ts';
import { redactCredentialShapes, redactedExcerpt } from '../secrets/redactor.ts';

export const LOGGED_URL_MAX_CHARS = 200;

export type RejectionReason = 'rate limit' | 'host not allowed' | 'authentication' | 'client certificate';

export interface RejectedRequest {
  reason: RejectionReason;
  ip: string;
  method: string;
  url: string;
  /** Extra detail for the line (the Host header, the user name). */
  detail?: string;
}

export interface RejectionLog {
  note(request: RejectedRequest): void;
  /** Logs what is still counted and stops the timer. */
  close(): void;
}

export interface RejectionLogOptions {
  /** Log prefix, e.g. `WEB UI` or `PROMETHEUS`. */
  label: string;
  log: Logger;
  /** Default 10 s. */
  intervalMs?: number;
}

/** Text of a URL safe and short enough for a log line. */
export function loggableUrl(url: string): string {
  return redactedExcerpt(redactCredentialShapes, url, LOGGED_URL_MAX_CHARS);
}

function describe(label: string, r: RejectedRequest): string {
  const detail = r.detail ? `, ${redactedExcerpt(redactCredentialShapes, r.detail, 100)}` : '';
  if (r.reason === 'rate limit') {
    // Upstream's config view wording, kept for anyone who greps for it.
    return `${label}: Rate limit exceeded for source IP address ${r.ip}. Method=${r.method}, endpoint=${loggableUrl(r.url)}`;
  }
  return `${label}: request refused (${r.reason}${detail}) from ${r.ip}: ${r.method} ${loggableUrl(r.url)}`;
}

export function createRejectionLog(options: RejectionLogOptions): RejectionLog {
  const intervalMs = options.intervalMs ?? 10_000;
  const state = new Map<RejectionReason, { until: number; suppressed: number; timer?: NodeJS.Timeout }>();

  const flush = (reason: RejectionReason) => {
    const s = state.get(reason);
    if (!s) return;
    if (s.timer) clearTimeout(s.timer);
    state.delete(reason);
    if (s.suppressed > 0) {
      options.log.warn(
        `${options.label}: ${s.suppressed} more request(s) refused (${reason}) in the last ${Math.round(intervalMs / 1000)} s`,
      );
    }
  };

  return {
    note(request) {
      if ((state.get(request.reason)?.until ?? Number.POSITIVE_INFINITY) <= Date.now()) flush(request.reason);
      const s = state.get(request.reason);
      if (s) {
        s.suppressed++;
        s.timer ??= setTimeout(() => flush(request.reason), Math.max(0, s.until - Date.now())).unref();
        return;
      }
      state.set(request.reason, { until: Date.now() + intervalMs, suppressed: 0 });
      options.log.warn(describe(options.label, request));
    },
    close() {
      for (const reason of [...state.keys()]) flush(reason);
    },
  };
}
