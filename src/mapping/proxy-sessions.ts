/**
 * Proxy session records → InfluxDB (docs/reference/influxdb.md#proxy-sessions), Prometheus
 * (docs/reference/prometheus.md#sense-metrics), MQTT (docs/reference/mqtt.md#proxy-sessions) and
 * New Relic (docs/reference/new-relic.md#proxy-session-metric).
 */
import type { ProxySessionsRecord } from '../records/proxy-sessions.ts';
import { hostWithoutPort } from '../records/server.ts';
import {
  influxFields,
  influxTags,
  type NewRelicMetricConfig,
  newRelicMetricAttributes,
  type PerVersion,
} from './engine-health.ts';
import type { InfluxPoint, InfluxVersion, MqttMessage, NewRelicMetric, PromSample } from './shapes.ts';

const STRING_ALL: PerVersion = ['string', 'string', 'string'];

/**
 * Field types per version (docs/reference/influxdb.md#proxy-sessions).
 * `user_session_list.session_count` is not written to v1.
 */
export const SESSION_FIELDS = {
  user_session_summary: { session_count: ['int', 'uint', 'intNonNeg'], session_user_id_list: STRING_ALL },
  user_session_list: { session_count: ['absent', 'uint', 'intNonNeg'], session_user_id_list: STRING_ALL },
  user_session_details: { session_id: STRING_ALL, user_directory: STRING_ALL, user_id: STRING_ALL },
} as const satisfies Record<string, Record<string, PerVersion>>;

export interface ProxySessionsInfluxConfig {
  influxdbConfig: { enable: boolean };
}

/**
 * The tags every session point carries: server tags plus virtual proxy and host (always, v14
 * behaviour, docs/reference/destinations.md#fixed).
 */
function sessionTags(record: ProxySessionsRecord): Record<string, string> {
  return {
    ...record.server.tags,
    user_session_virtual_proxy: record.virtualProxy,
    user_session_host: record.userSessionHost,
  };
}

/** Summary, list and one detail point per non-excluded session, written together. */
export function proxySessionsToInflux(
  record: ProxySessionsRecord,
  version: InfluxVersion,
  cfg: ProxySessionsInfluxConfig,
): InfluxPoint[] {
  if (!cfg.influxdbConfig.enable) return [];
  const baseTags = sessionTags(record);
  const tags = influxTags(baseTags, version);
  const summary = { session_count: record.sessionCount, session_user_id_list: record.uniqueUsers.join(',') };
  const points: InfluxPoint[] = [
    {
      measurement: 'user_session_summary',
      tags,
      fields: influxFields(SESSION_FIELDS.user_session_summary, summary, version),
      timeMs: record.timeMs,
    },
    {
      measurement: 'user_session_list',
      tags,
      fields: influxFields(SESSION_FIELDS.user_session_list, summary, version),
      timeMs: record.timeMs,
    },
  ];
  for (const s of record.sessions) {
    points.push({
      measurement: 'user_session_details',
      tags: influxTags(
        {
          ...baseTags,
          user_session_id: s.sessionId,
          user_session_user_directory: s.userDirectory,
          user_session_user_id: s.userId,
        },
        version,
      ),
      fields: influxFields(
        SESSION_FIELDS.user_session_details,
        { session_id: s.sessionId, user_directory: s.userDirectory, user_id: s.userId },
        version,
      ),
      timeMs: record.timeMs,
    });
  }
  return points;
}

export const PROXY_SESSIONS_PROM_METRICS = [
  { name: 'butlersos_user_session_total', help: 'Number of sessions (as reported by the proxy service).' },
] as const;

/** Scope of one (server, virtual proxy) in the Prometheus sink. */
export function proxySessionsPromScope(serverName: string, virtualProxy: string): string {
  return `proxy-sessions/${serverName}/${virtualProxy}`;
}

/**
 * `butlersos_user_session_total` with SL + virtual proxy + host; the never-set `service` label is
 * left out (docs/reference/prometheus.md#labels).
 */
export function proxySessionsToPrometheus(record: ProxySessionsRecord): {
  scope: string;
  samples: PromSample[];
} {
  const [metric] = PROXY_SESSIONS_PROM_METRICS;
  return {
    scope: proxySessionsPromScope(record.server.serverName, record.virtualProxy),
    samples: [
      { name: metric.name, help: metric.help, labels: sessionTags(record), value: record.sessionCount },
    ],
  };
}

export interface ProxySessionsMqttConfig {
  mqttConfig: { enable: boolean; baseTopic: string };
}

/**
 * The unfiltered response, pretty-printed with 2-space indent, per (server, virtual proxy)
 * (docs/reference/mqtt.md#proxy-sessions).
 */
export function proxySessionsToMqtt(
  record: ProxySessionsRecord,
  cfg: ProxySessionsMqttConfig,
): MqttMessage[] {
  if (!cfg.mqttConfig.enable) return [];
  return [
    {
      topic: `${cfg.mqttConfig.baseTopic}${hostWithoutPort(record.userSessionHost)}/usersession${record.virtualProxy}`,
      payload: JSON.stringify(record.raw, null, 2),
    },
  ];
}

/** `qs_proxySessions` = session count (exclude list not applied), when `metric.dynamic.proxy.sessions.enable`. */
export function proxySessionsToNewRelic(
  record: ProxySessionsRecord,
  cfg: NewRelicMetricConfig,
): NewRelicMetric[] {
  if (!cfg.newRelic.enable || cfg.newRelic.metric.dynamic?.proxy?.sessions?.enable !== true) return [];
  return [
    {
      name: 'qs_proxySessions',
      type: 'gauge',
      value: record.sessionCount,
      timestampMs: record.timeMs,
      attributes: newRelicMetricAttributes(sessionTags(record), cfg),
    },
  ];
}
