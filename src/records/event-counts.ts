/**
 * Counters of received and rejected UDP events (docs/reference/udp-events.md#event-counters,
 * docs/reference/influxdb.md#event-counts, docs/reference/influxdb.md#rejected-event-counts),
 * accumulated in memory and taken as one snapshot per flush interval (each snapshot is a
 * delta: the counters restart from zero after every take).
 *
 * Counting follows upstream v15 (v14 never counts log events) with correct field positions
 * for unrecognised log datagrams.
 */

export type EventType = 'log' | 'user';

export interface EventCountEntry {
  event_type: EventType;
  source: string;
  host: string;
  subsystem: string;
  counter: number;
}

export interface RejectedEventCountEntry {
  source: string;
  app_id: string;
  app_name: string;
  method: string;
  object_type: string;
  counter: number;
  /** Sum of the rejected events' process times (ms); NaN process times add nothing. */
  process_time: number;
}

export interface EventCountsRecord {
  kind: 'event-counts';
  /** End of the counting interval, ms since the epoch. */
  timeMs: number;
  counts: EventCountEntry[];
  rejected: RejectedEventCountEntry[];
}

const SEP = '\u0000';
/**
 * Upper bound on distinct keys per interval. Host and subsystem come from datagrams, so a
 * flood of forged values must not grow memory without bound: beyond the cap, new keys are
 * counted under host/subsystem `Overflow`.
 */
export const MAX_COUNTER_KEYS = 10_000;

/** The in-memory counters. One instance is shared by the log-event and user-event sources. */
export class EventCounters {
  #counts = new Map<string, EventCountEntry>();
  #rejected = new Map<string, RejectedEventCountEntry>();

  /**
   * Count one received event. Empty values are stored as `Unknown` (upstream v15 does this
   * for log events; for user events upstream refuses the entry, which loses the count).
   */
  count(eventType: EventType, source: string, host: string, subsystem: string): void {
    const s = source || 'Unknown';
    let h = host || 'Unknown';
    let sub = subsystem || 'Unknown';
    let key = eventType + SEP + s + SEP + h + SEP + sub;
    let entry = this.#counts.get(key);
    if (!entry && this.#counts.size >= MAX_COUNTER_KEYS) {
      h = sub = 'Overflow';
      key = eventType + SEP + s + SEP + h + SEP + sub;
      entry = this.#counts.get(key);
    }
    if (entry) entry.counter++;
    else this.#counts.set(key, { event_type: eventType, source: s, host: h, subsystem: sub, counter: 1 });
  }

  /** Count one engine performance event rejected by the monitor filters. */
  countRejected(
    appId: string,
    appName: string,
    method: string,
    objectType: string,
    processTime: number | null,
  ): void {
    let key = appId + SEP + appName + SEP + method + SEP + objectType;
    const add = processTime !== null && Number.isFinite(processTime) ? processTime : 0;
    let entry = this.#rejected.get(key);
    if (!entry && this.#rejected.size >= MAX_COUNTER_KEYS) {
      appId = appName = method = objectType = 'Overflow';
      key = appId + SEP + appName + SEP + method + SEP + objectType;
      entry = this.#rejected.get(key);
    }
    if (entry) {
      entry.counter++;
      entry.process_time += add;
    } else {
      this.#rejected.set(key, {
        source: 'qseow-qix-perf',
        app_id: appId,
        app_name: appName,
        method,
        object_type: objectType,
        counter: 1,
        process_time: add,
      });
    }
  }

  /** Number of distinct counter keys held (bounded by the variety of hosts/subsystems/apps). */
  get size(): number {
    return this.#counts.size + this.#rejected.size;
  }

  /** The counters of the interval just ended; they restart from zero. */
  take(nowMs: number): EventCountsRecord {
    const record: EventCountsRecord = {
      kind: 'event-counts',
      timeMs: nowMs,
      counts: [...this.#counts.values()],
      rejected: [...this.#rejected.values()],
    };
    this.#counts = new Map();
    this.#rejected = new Map();
    return record;
  }
}
