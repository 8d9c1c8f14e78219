/**
 * The figures a delivery queue keeps about what became of its items, and the stats it
 * reports from them together with what it holds right now.
 */
import type { DeliveryStats } from './types.ts';

/** What became of the items so far. Changed only through the reporter, which logs changes. */
export interface DeliveryCounts {
  delivered: number;
  retried: number;
  overflowed: number;
  dropped: Record<string, number>;
  lastError: { message: string; at: string } | undefined;
}

export function newDeliveryCounts(): DeliveryCounts {
  return { delivered: 0, retried: 0, overflowed: 0, dropped: {}, lastError: undefined };
}

/** A copy of the figures, safe for the caller to keep or change. `spooled`: waiting for replay. */
export function deliveryStats(
  counts: DeliveryCounts,
  memory: { waiting: number; inFlight: number },
  spooled: number,
): DeliveryStats {
  return {
    queued: memory.waiting,
    inFlight: memory.inFlight,
    spooled,
    overflowed: counts.overflowed,
    delivered: counts.delivered,
    retried: counts.retried,
    dropped: { ...counts.dropped },
    ...(counts.lastError ? { lastError: { ...counts.lastError } } : {}),
  };
}
