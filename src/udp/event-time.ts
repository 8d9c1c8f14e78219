/**
 * Event times for an HA pair: both agents receive every datagram, and must give each event
 * the same InfluxDB timestamp so the store keeps it once. The receive clock
 * (event-clock.ts) differs between two machines, so the time comes from the event itself:
 *
 * - A log event: the time Sense wrote in it (`ts_iso`, local time with its UTC offset, ms
 *   precision) plus a sub-millisecond offset from its row number (log4net's %rownum, 1..9999
 *   per appender) and source: `(row mod 10000) × 100 + source index × 20 + n`, where n
 *   counts earlier events of this agent with the same host, source, time and row (0 for
 *   all but repeated datagrams). One appender never sends two events with the same row in
 *   one millisecond, so two distinct events never get the same host, source, time and
 *   offset: they never collapse into one point.
 * - A user event carries no time and no row number: it is timed to the start of the window
 *   of `userEventWindowMs` it arrived in, with an offset from a hash of its content and n
 *   counting earlier events of this agent in the same window and hash bucket. Two agents
 *   agree unless the datagram reaches them on either side of a window boundary; then the
 *   store gets it twice (never loses it). The chance is the receive-time difference between
 *   the two agents divided by the window (docs/scaling.md#what-an-ha-pair-guarantees).
 * - A log event without a readable `ts_iso`, or one whose offsets are used up, keeps its
 *   receive stamp: unique in this agent, so still never collapsed, but not shared by the pair.
 *
 * The counts are kept for 10 to 20 s of receive time, bounded in entries.
 */
import type { LogEventRecord, LogEventSource } from '../records/log-event.ts';
import type { UserEventRecord } from '../records/user-event.ts';

const SOURCE_INDEX: Readonly<Record<LogEventSource, number>> = {
  'qseow-engine': 0,
  'qseow-proxy': 1,
  'qseow-repository': 2,
  'qseow-scheduler': 3,
  'qseow-qix-perf': 4,
};
/** Repeats of one (host, source, time, row) that still get an offset of their own. */
const REPEATS = 20;
const USER_BUCKETS = 50_000;
const GENERATION_MS = 10_000;
const GENERATION_MAX_ENTRIES = 200_000;

export interface HaEventTimer {
  /** Sets `receivedAtMs` and `timeNsOffset` of a log event from its own time and row. */
  timeLogEvent(record: LogEventRecord): void;
  /** Sets `receivedAtMs` (window start) and `timeNsOffset` of a user event. */
  timeUserEvent(record: UserEventRecord): void;
}

export function createHaEventTimer(options: { userEventWindowMs: number; now?: () => number }): HaEventTimer {
  const seen = new RecentCounts(options.now ?? Date.now);
  const windowMs = options.userEventWindowMs;
  return {
    timeLogEvent(record) {
      const timeMs = parseSenseIsoTime(record.ts_iso);
      if (timeMs === undefined || !Number.isInteger(record.log_row) || record.log_row < 0) return;
      const base = (record.log_row % 10_000) * 100 + SOURCE_INDEX[record.source] * REPEATS;
      const n = seen.next(`${record.host}\u0000${record.source}\u0000${timeMs}\u0000${base}`);
      if (n >= REPEATS) return;
      record.receivedAtMs = timeMs;
      record.timeNsOffset = base + n;
    },
    timeUserEvent(record) {
      const timeMs = Math.floor(record.receivedAtMs / windowMs) * windowMs;
      const hash = contentHash(record);
      // A full bucket hands over to the next one, so offsets stay unique within the window.
      for (let probe = 0; probe < USER_BUCKETS; probe++) {
        const bucket = (hash + probe) % USER_BUCKETS;
        const n = seen.next(`u\u0000${timeMs}\u0000${bucket}`);
        if (n < REPEATS) {
          record.receivedAtMs = timeMs;
          record.timeNsOffset = bucket * REPEATS + n;
          return;
        }
      }
    },
  };
}

const SENSE_ISO = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})\.(\d{3})([+-])(\d{2})(\d{2})$/;

/** `YYYYMMDDThhmmss.fff±hhmm` (Sense's %longIso8601date) as ms since the epoch, or undefined. */
export function parseSenseIsoTime(text: string): number | undefined {
  const m = SENSE_ISO.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, ms, sign, oh, om] = m as unknown as string[];
  const local = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!, +ms!);
  const offsetMs = (+oh! * 60 + +om!) * 60_000 * (sign === '-' ? -1 : 1);
  const time = local - offsetMs;
  return Number.isFinite(time) ? time : undefined;
}

/** FNV-1a over what tells one user event from another. */
function contentHash(r: UserEventRecord): number {
  let h = 0x811c9dc5;
  for (const part of [
    r.messageType,
    r.host,
    r.command,
    r.user_directory,
    r.user_id,
    r.origin,
    r.context,
    r.message,
  ]) {
    for (let i = 0; i < part.length; i++) {
      h ^= part.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    // A separator, so that moving text from one part to the next changes the hash.
    h ^= 0x1f;
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % USER_BUCKETS;
}

/** How many times each key was seen recently: two generations of 10 s each, bounded in size. */
class RecentCounts {
  #current = new Map<string, number>();
  #previous = new Map<string, number>();
  #startedAt: number;
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
    this.#startedAt = now();
  }

  /** The number of earlier sightings of `key` (0 the first time). */
  next(key: string): number {
    const at = this.#now();
    if (at - this.#startedAt >= GENERATION_MS || this.#current.size >= GENERATION_MAX_ENTRIES) {
      this.#previous = this.#current;
      this.#current = new Map();
      this.#startedAt = at;
    }
    const n = this.#current.get(key) ?? this.#previous.get(key) ?? 0;
    this.#current.set(key, n + 1);
    return n;
  }
}

/** The `ha` settings the event times depend on. */
export interface HaEventSettings {
  enable: boolean;
  userEventWindowMs: number;
}

/** `emit` itself without HA; with HA, `emit` after the log event got its event time. */
export function haTimedLogEvents<R extends LogEventRecord>(ha: HaEventSettings, emit: (record: R) => void) {
  if (!ha.enable) return emit;
  const timer = createHaEventTimer(ha);
  return (record: R): void => {
    timer.timeLogEvent(record);
    emit(record);
  };
}

/** `emit` itself without HA; with HA, `emit` after the user event got its window time. */
export function haTimedUserEvents<R extends UserEventRecord>(ha: HaEventSettings, emit: (record: R) => void) {
  if (!ha.enable) return emit;
  const timer = createHaEventTimer(ha);
  return (record: R): void => {
    timer.timeUserEvent(record);
    emit(record);
  };
}
