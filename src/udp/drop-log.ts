/**
 * Rate-limited logging of repeated conditions (drops, rejections): the first occurrence of
 * a kind is logged at once, later ones are summed and logged at most once per interval with
 * the count. Keeps a flood of bad datagrams from flooding the log.
 */
import type { Logger, LogLevel } from '../logging/logger.ts';

export interface RateLimitedLog {
  /** Note one occurrence of `kind`; logs `message` (with the count so far) when due. */
  note(kind: string, message: string, context?: Record<string, unknown>): void;
}

const MAX_KINDS = 1000;

export function createRateLimitedLog(
  log: Logger,
  level: LogLevel,
  intervalMs = 60_000,
  now: () => number = Date.now,
): RateLimitedLog {
  const state = new Map<string, { lastMs: number; pending: number }>();
  return {
    note(kind, message, context) {
      const t = now();
      let s = state.get(kind);
      if (s === undefined) {
        // Kinds may include a sender address: keep the table bounded.
        if (state.size >= MAX_KINDS) state.clear();
        s = { lastMs: -Infinity, pending: 0 };
        state.set(kind, s);
      }
      s.pending++;
      if (t - s.lastMs < intervalMs) return;
      log[level](message, { ...context, count: s.pending, intervalSeconds: Math.round(intervalMs / 1000) });
      s.lastMs = t;
      s.pending = 0;
    },
  };
}
