/**
 * Log and user events as Prometheus counters, for stores that keep numbers and not text
 * (remote write): how many events arrived per host, source, level and subsystem, and how many
 * user events per host, event type and command. Counters are cumulative from the agent's
 * start, so `increase(butler_sos_log_events_total{level="ERROR"}[5m])` is "errors per 5
 * minutes".
 *
 * Cardinality: source (5 values), level (WARN, ERROR, FATAL, INFO), event type (2) and
 * command (4) are bounded by Sense; host is bounded by the number of Sense nodes; subsystem
 * is a log4net logger name, a few hundred at most in practice but free text in a datagram.
 * So the number of series is capped (`remoteWrite.eventCounters.maxSeries`): an event whose
 * label set would be a new series beyond the cap is not counted, and counted as dropped
 * instead (`butler_sos_event_counter_dropped_total`), so a flood of forged datagrams cannot
 * grow memory or the store.
 */
import type { LogEventRecord } from '../records/log-event.ts';
import type { UserEventRecord } from '../records/user-event.ts';
import type { PromSample } from './shapes.ts';

export const LOG_EVENTS_METRIC = 'butler_sos_log_events_total';
export const USER_EVENTS_METRIC = 'butler_sos_user_events_total';
export const DROPPED_METRIC = 'butler_sos_event_counter_dropped_total';

const LOG_HELP = 'Log events received per Sense host, source, level and subsystem.';
const USER_HELP = 'User events received per Sense host, event type and command.';
const DROPPED_HELP =
  'Events not counted because their label set would pass remoteWrite.eventCounters.maxSeries.';

interface Counter {
  labels: Record<string, string>;
  value: number;
}

export class EventMetricCounters {
  readonly #maxSeries: number;
  readonly #log = new Map<string, Counter>();
  readonly #user = new Map<string, Counter>();
  #droppedLog = 0;
  #droppedUser = 0;

  constructor(maxSeries: number) {
    this.#maxSeries = maxSeries;
  }

  countLog(record: LogEventRecord): void {
    const labels = {
      host: record.host || 'Unknown',
      source: record.source,
      level: record.level || 'Unknown',
      subsystem: record.subsystem || 'Unknown',
    };
    const key = `${labels.host}\u0000${labels.source}\u0000${labels.level}\u0000${labels.subsystem}`;
    if (!this.#add(this.#log, key, labels)) this.#droppedLog++;
  }

  countUser(record: UserEventRecord): void {
    const labels = {
      host: record.host || 'Unknown',
      event_type: record.messageType,
      command: record.command || 'Unknown',
    };
    const key = `${labels.host}\u0000${labels.event_type}\u0000${labels.command}`;
    if (!this.#add(this.#user, key, labels)) this.#droppedUser++;
  }

  /** Series held (both metrics). */
  get series(): number {
    return this.#log.size + this.#user.size;
  }

  /** Every counter's current value, and the dropped counts. */
  samples(): PromSample[] {
    const out: PromSample[] = [];
    for (const { labels, value } of this.#log.values())
      out.push({ name: LOG_EVENTS_METRIC, help: LOG_HELP, labels, value });
    for (const { labels, value } of this.#user.values())
      out.push({ name: USER_EVENTS_METRIC, help: USER_HELP, labels, value });
    out.push({
      name: DROPPED_METRIC,
      help: DROPPED_HELP,
      labels: { event_type: 'log' },
      value: this.#droppedLog,
    });
    out.push({
      name: DROPPED_METRIC,
      help: DROPPED_HELP,
      labels: { event_type: 'user' },
      value: this.#droppedUser,
    });
    return out;
  }

  /** Adds one to the series; false when it is new and the cap is reached. */
  #add(table: Map<string, Counter>, key: string, labels: Record<string, string>): boolean {
    const counter = table.get(key);
    if (counter) {
      counter.value++;
      return true;
    }
    if (this.series >= this.#maxSeries) return false;
    table.set(key, { labels, value: 1 });
    return true;
  }
}
