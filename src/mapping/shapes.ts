/**
 * The destination shapes that mapping produces and sinks consume.
 *
 * Sources know Sense; sinks know protocols; these plain-data shapes are the only thing the
 * two sides share. Every shape is JSON-serialisable so that the delivery layer can spool it.
 */

/**
 * InfluxDB field types. `uint` exists only in InfluxDB 2.x (see
 * docs/reference/influxdb.md#field-types-per-version).
 */
export type InfluxFieldType = 'float' | 'integer' | 'uint' | 'string' | 'boolean';

export interface InfluxField {
  type: InfluxFieldType;
  value: number | string | boolean;
  /**
   * For a string field whose value is the JSON text of an object (log events' `raw_event`):
   * that object's parts, so that the line protocol encoder writes the JSON straight into its
   * output without building the text first (src/destinations/influxdb/line-bytes.ts). The
   * field's `value` is the same text, built when something reads it.
   */
  json?: JsonText;
}

/**
 * `{` + each of `keys` as `"key":<JSON of object[key]>` (a non-finite number or undefined as
 * `null`), comma separated, + `tail` + `}`.
 */
export interface JsonText {
  object: Readonly<Record<string, unknown>>;
  keys: readonly string[];
  /** Members after those, already JSON text, each starting with a comma ('' for none). */
  tail: string;
}

export type InfluxVersion = 1 | 2 | 3;

export interface InfluxPoint {
  measurement: string;
  /** Tag order is kept as given. Empty or undefined values are omitted by the encoder. */
  tags: Record<string, string | undefined>;
  fields: Record<string, InfluxField>;
  /** Point time in ms since the epoch. Absent: the encoder uses "now". */
  timeMs?: number;
  /**
   * Nanoseconds to add to `timeMs` (0..999 999). Lets distinct events of the same
   * millisecond keep distinct points, and a retried write rewrite the same point.
   */
  timeNsOffset?: number;
}

/** One Prometheus gauge sample. */
export interface PromSample {
  name: string;
  help: string;
  labels: Record<string, string>;
  value: number;
}

/** One MQTT publication. */
export interface MqttMessage {
  topic: string;
  payload: string;
  retain?: boolean;
}

/** A New Relic Metric API gauge (https://docs.newrelic.com/docs/data-apis/ingest-apis/metric-api/). */
export interface NewRelicMetric {
  name: string;
  type: 'gauge';
  value: number;
  timestampMs: number;
  attributes: Record<string, string | number | boolean>;
  /** The metric's reporting interval (`interval.ms` of the Metric API payload). */
  intervalMs?: number;
}

/** A New Relic Event API event (custom event type). */
export interface NewRelicEvent {
  eventType: string;
  timestampMs: number;
  attributes: Record<string, string | number | boolean>;
}

/** A New Relic Log API entry. */
export interface NewRelicLog {
  timestampMs: number;
  message: string;
  attributes: Record<string, string | number | boolean>;
}
