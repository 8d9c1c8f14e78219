/**
 * Log database rows (docs/reference/sense-apis.md#qlogs-rows-to-records, upstream ≤ v10) → InfluxDB
 * `log_event_logdb` and MQTT `<baseTopic><process_host>/<process_name>/<entry_level>`.
 *
 * Upstream stored a row in InfluxDB only when its `process_host` equalled some server's
 * `logDbHost` (the server supplies `server_name`, `server_description` and `serverTags`);
 * other rows were only logged at verbose level. Every row went to MQTT. Here the host match
 * ignores case (Sense writes host names in whatever case Windows reports).
 */
import type { LogDbRecord } from '../records/logdb.ts';
import { influxTags } from './engine-health.ts';
import { topicLevel, v3TagValue } from './log-event.ts';
import type { InfluxPoint, InfluxVersion, MqttMessage } from './shapes.ts';

export const LOGDB_MEASUREMENT = 'log_event_logdb';

/** The parts of a `serversToMonitor.servers[]` entry the log database mapping uses. */
export interface LogDbServer {
  serverName: string;
  serverDescription: string;
  serverTags?: Readonly<Record<string, unknown>> | null;
  /** `servers[].logDbHost`: the host name as in the `process_host` column. */
  logDbHost?: string | null;
}

/** The first server whose `logDbHost` equals the row's `process_host` (ignoring case and surrounding blanks). */
export function serverForLogDbRow<S extends LogDbServer>(
  record: LogDbRecord,
  servers: readonly S[],
): S | undefined {
  const host = record.processHost.trim().toLowerCase();
  if (host === '') return undefined;
  return servers.find((server) => (server.logDbHost ?? '').trim().toLowerCase() === host);
}

/**
 * Row ids are unique, rows of one millisecond are not: without this offset two rows of the
 * same host, process and level in one millisecond would overwrite each other in InfluxDB.
 * Derived from the id, so a retried write rewrites the same point.
 */
function nsOffsetOf(id: string): number {
  if (!/^\d{1,19}$/.test(id)) return 0;
  return Number(BigInt(id) % 1_000_000n);
}

/**
 * The `log_event_logdb` point of a row, or undefined when no server matches it (upstream did
 * not store those). Tags: host (= process_host), server_name, server_description,
 * source_process (= process_name), log_level (= entry_level), then the server's
 * `serverTags` (a custom tag named like a built-in one overrides it, as everywhere upstream).
 * Field: message (string). Time: the entry timestamp.
 */
export function logDbRowToInflux(
  record: LogDbRecord,
  server: LogDbServer | undefined,
  version: InfluxVersion,
): InfluxPoint | undefined {
  if (server === undefined) return undefined;
  // InfluxDB 3 rejects some characters in tag values; the other mappings strip them too.
  const t = version === 3 ? v3TagValue : (value: string) => value;
  const tags: Record<string, string | undefined> = {
    host: t(record.processHost),
    server_name: t(server.serverName),
    server_description: t(server.serverDescription),
    source_process: t(record.processName),
    log_level: t(record.level),
  };
  for (const [name, value] of Object.entries(server.serverTags ?? {})) {
    if (value === undefined || value === null) continue;
    tags[name] = t(String(value));
  }
  return {
    measurement: LOGDB_MEASUREMENT,
    tags: influxTags(tags, version),
    fields: { message: { type: 'string', value: record.message } },
    timeMs: record.timeMs,
    timeNsOffset: nsOffsetOf(record.id),
  };
}

/**
 * The MQTT message of a row: topic `<baseTopic><process_host>/<process_name>/<entry_level>`
 * (`baseTopic` = `mqttConfig.baseTopic`, used as is, e.g. `butler-sos/`), payload the message
 * text. Each level goes through topicLevel: MQTT wildcards and `/` become `_` (a publish with
 * them would fail), an empty value becomes `unknown`.
 */
export function logDbRowToMqtt(record: LogDbRecord, baseTopic: string): MqttMessage {
  return {
    topic: `${baseTopic}${topicLevel(record.processHost)}/${topicLevel(record.processName)}/${topicLevel(record.level)}`,
    payload: record.message,
  };
}
