/**
 * Which mapping turns each record kind into InfluxDB points, with the config's options bound
 * once: the table the InfluxDB destination and the local store (which keeps the same points)
 * both use. InfluxDB honours the per-kind switches of the config (`logEvents.sendToInfluxdb`,
 * `qlikSenseEvents.influxdb`, …); the local store keeps every kind, so the web UI shows what
 * the agent sees even where InfluxDB is switched off for it.
 */
import type { ButlerSosSettings } from '../config/schema.ts';
import type { Logger } from '../logging/logger.ts';
import type { PerKind } from '../records/record.ts';
import type { UdpQueueRecord } from '../records/udp-queue.ts';
import { engineHealthToInflux } from './engine-health.ts';
import { errorEventToInflux } from './errors.ts';
import { type EventCountsInfluxConfig, eventCountsToInflux } from './event-counts.ts';
import { failedPollToInflux } from './failed-poll.ts';
import { type LogEventInfluxConfig, logEventToInflux } from './log-event.ts';
import { logDbRowToInflux, serverForLogDbRow } from './logdb.ts';
import { proxySessionsToInflux } from './proxy-sessions.ts';
import type { InfluxPoint, InfluxVersion } from './shapes.ts';
import { queueMetricsToInflux } from './udp-queue.ts';
import { uptimeToInflux } from './uptime.ts';
import { type UserEventInfluxConfig, userEventToInflux } from './user-event.ts';

export interface InfluxPointOptions {
  settings: ButlerSosSettings;
  version: InfluxVersion;
  /** The agent's version (the uptime point's `version` tag). */
  agentVersion: string;
  /** True for InfluxDB itself: kinds switched off for InfluxDB get no mapping. */
  honourSwitches: boolean;
  log: Logger;
}

export type InfluxPointMappings = PerKind<readonly InfluxPoint[]>;

/** The point mapping of every kind the destination takes, options bound. */
export function influxPointMappings(options: InfluxPointOptions): InfluxPointMappings {
  const { settings: s, version: v, honourSwitches } = options;
  const wanted = (switchedOn: boolean) => !honourSwitches || switchedOn;
  // The mappings take `influxdbConfig` for its field switches; the destination itself is on.
  const influxdbConfig = { ...s.influxdbConfig, enable: true };
  const healthConfig = { influxdbConfig, appNames: s.appNames };
  const mappings: InfluxPointMappings = {
    'engine-health': (r) => engineHealthToInflux(r, v, healthConfig),
    'proxy-sessions': (r) => proxySessionsToInflux(r, v, { influxdbConfig }),
    'failed-poll': (r) => failedPollToInflux(r, v, { influxdbConfig, errorTracking: s.errorTracking }),
    logdb: logDbMapping(options),
    'udp-queue': udpQueueMapping(s, v),
  };
  if (wanted(s.logEvents.sendToInfluxdb.enable)) {
    const config: LogEventInfluxConfig = {
      tags: s.logEvents.tags,
      // raw_event carries the configured tags when MQTT also gets log events (as upstream).
      rawEventIncludesTags: s.mqttConfig.enable && s.logEvents.sendToMQTT.enable,
    };
    mappings['log-event'] = (r) => [logEventToInflux(r, v, config)];
  }
  if (wanted(s.userEvents.sendToInfluxdb.enable)) {
    const config: UserEventInfluxConfig = { tags: s.userEvents.tags };
    mappings['user-event'] = (r) => [userEventToInflux(r, v, config)];
  }
  if (wanted(s.qlikSenseEvents.influxdb.enable)) {
    const config = eventCountsConfig(s);
    mappings['event-counts'] = (r) => eventCountsToInflux(r, v, config);
  }
  if (wanted(s.uptimeMonitor.storeInInfluxdb.butlerSOSMemoryUsage)) {
    const uptime = {
      instanceTag: s.uptimeMonitor.storeInInfluxdb.instanceTag,
      version: options.agentVersion,
    };
    mappings.uptime = (r) => [uptimeToInflux(r, uptime)];
  }
  if (s.errorTracking.enable && wanted(s.errorTracking.influxdb.enable)) {
    const errors = { influxVersion: v, measurementName: s.errorTracking.influxdb.measurementName };
    mappings['error-event'] = (r) => [errorEventToInflux(r, errors)];
  }
  return mappings;
}

function eventCountsConfig(s: ButlerSosSettings): EventCountsInfluxConfig {
  const events = s.qlikSenseEvents;
  return {
    eventCountEnable: events.eventCount.enable,
    eventCountMeasurement: events.eventCount.influxdb.measurementName,
    eventCountTags: events.eventCount.influxdb.tags,
    rejectedEventCountEnable: events.rejectedEventCount.enable,
    rejectedEventCountMeasurement: events.rejectedEventCount.influxdb.measurementName,
    rejectedTags: s.logEvents.enginePerformanceMonitor.trackRejectedEvents.tags,
  };
}

/** Queue metrics, with each listener's own measurement name and tags. */
function udpQueueMapping(s: ButlerSosSettings, v: InfluxVersion) {
  const configOf = {
    log_events: s.logEvents.udpServerConfig.queueMetrics.influxdb,
    user_events: s.userEvents.udpServerConfig.queueMetrics.influxdb,
  };
  return (r: UdpQueueRecord): InfluxPoint[] => {
    const cfg = configOf[r.queueType];
    return [
      queueMetricsToInflux(
        r.queue,
        r.window,
        v,
        {
          queueType: r.queueType,
          measurementName: cfg.measurementName,
          tags: cfg.tags,
          hostname: r.hostname,
        },
        r.timeMs,
      ),
    ];
  };
}

/** Log database rows of hosts no server claims (`servers[].logDbHost`) are not stored, as upstream. */
function logDbMapping(options: InfluxPointOptions): NonNullable<InfluxPointMappings['logdb']> {
  const servers = options.settings.serversToMonitor.servers;
  return (r) => {
    const server = serverForLogDbRow(r, servers);
    if (!server) {
      options.log.verbose(`LOG DB: no server has logDbHost "${r.processHost}"; row ${r.id} not stored`);
      return [];
    }
    const point = logDbRowToInflux(r, server, options.version);
    return point ? [point] : [];
  };
}
