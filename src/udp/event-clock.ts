/**
 * Receive-time stamps for UDP events: ms since the epoch plus a nanosecond offset that is
 * unique within the millisecond. Assigned once per datagram at receive time and carried by
 * the record, so that two events never map to the same InfluxDB point (same measurement,
 * tags and time) and a retried write of the same record rewrites the same point.
 */
export interface EventStamp {
  timeMs: number;
  timeNsOffset: number;
}

export interface EventClock {
  /** The next stamp: strictly increasing, also when the wall clock steps back. */
  next(): EventStamp;
}

export function createEventClock(now: () => number = Date.now): EventClock {
  let lastMs = 0;
  let seq = 0;
  return {
    next() {
      const ms = now();
      if (ms > lastMs) {
        lastMs = ms;
        seq = 0;
      } else if (++seq > 999_999) {
        // A million events in one millisecond (or a clock step back): borrow the next ms.
        lastMs++;
        seq = 0;
      }
      return { timeMs: lastMs, timeNsOffset: seq };
    },
  };
}
