/**
 * Counts failed polls per server and reason, and logs each poll target's state changes
 * once: the first failure (and a change of cause) at error level, the recovery at info
 * level. Repeated identical failures only go to debug, so a dead server does not flood
 * the log every interval.
 */
import type { Logger } from '../logging/logger.ts';
import type { PollFailure, PollFailureReason, PollKind } from '../records/failed-poll.ts';

export interface PollTarget {
  kind: PollKind;
  serverName: string;
  host: string;
  virtualProxy?: string;
}

export interface FailingTarget extends PollTarget {
  reason: PollFailureReason;
  message: string;
  sinceMs: number;
  consecutiveFailures: number;
}

export interface PollFailureStats {
  /** serverName → reason → count (all poll kinds). */
  byServer: Record<string, Partial<Record<PollFailureReason, number>>>;
  /** poll kind → reason → count. */
  byKind: Partial<Record<PollKind, Partial<Record<PollFailureReason, number>>>>;
  total: number;
  /** Targets whose last poll failed. */
  failing: FailingTarget[];
}

const LABEL: Record<PollKind, string> = {
  health: 'HEALTH',
  'proxy-sessions': 'PROXY SESSIONS',
  'app-names': 'APP NAMES',
};

export interface PollFailureTracker {
  failed(target: PollTarget, failure: PollFailure, nowMs?: number): void;
  succeeded(target: PollTarget): void;
  stats(): PollFailureStats;
}

export function createPollFailureTracker(log: Logger): PollFailureTracker {
  const byServer: PollFailureStats['byServer'] = {};
  const byKind: PollFailureStats['byKind'] = {};
  const failing = new Map<string, FailingTarget>();
  let total = 0;

  const keyOf = (t: PollTarget) => `${t.kind}\u0000${t.serverName}\u0000${t.virtualProxy ?? ''}`;
  const where = (t: PollTarget) =>
    `${LABEL[t.kind]}: ${t.serverName} (${t.host}${t.virtualProxy !== undefined ? `, virtual proxy ${t.virtualProxy}` : ''})`;
  const context = (t: PollTarget) => ({
    server: t.serverName,
    host: t.host,
    ...(t.virtualProxy !== undefined ? { virtualProxy: t.virtualProxy } : {}),
  });

  return {
    failed(target, failure, nowMs = Date.now()) {
      total++;
      const server = byServer[target.serverName] ?? {};
      byServer[target.serverName] = server;
      server[failure.reason] = (server[failure.reason] ?? 0) + 1;
      const kind = byKind[target.kind] ?? {};
      byKind[target.kind] = kind;
      kind[failure.reason] = (kind[failure.reason] ?? 0) + 1;

      const key = keyOf(target);
      const previous = failing.get(key);
      if (previous && previous.reason === failure.reason) {
        previous.consecutiveFailures++;
        previous.message = failure.message;
        log.debug(`${where(target)}: poll failed again: ${failure.message}`, {
          ...context(target),
          reason: failure.reason,
          consecutiveFailures: previous.consecutiveFailures,
        });
        return;
      }
      failing.set(key, {
        ...target,
        reason: failure.reason,
        message: failure.message,
        sinceMs: previous?.sinceMs ?? nowMs,
        consecutiveFailures: (previous?.consecutiveFailures ?? 0) + 1,
      });
      log.error(`${where(target)}: poll failed (${failure.reason}): ${failure.message}`, {
        ...context(target),
        reason: failure.reason,
        ...(failure.httpStatus !== undefined ? { httpStatus: failure.httpStatus } : {}),
        ...(failure.code ? { code: failure.code } : {}),
      });
    },
    succeeded(target) {
      const key = keyOf(target);
      const previous = failing.get(key);
      if (!previous) return;
      failing.delete(key);
      log.info(`${where(target)}: recovered after ${previous.consecutiveFailures} failed poll(s)`, {
        ...context(target),
        failedPolls: previous.consecutiveFailures,
      });
    },
    stats() {
      return {
        byServer: structuredClone(byServer),
        byKind: structuredClone(byKind),
        total,
        failing: [...failing.values()].map((f) => ({ ...f })),
      };
    },
  };
}
