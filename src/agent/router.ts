/**
 * Fan-out: hands each record to the mapping of every enabled destination, in upstream's
 * order (docs/reference/destinations.md#fan-out-order), and queues the result. Mapping decides
 * names and shapes; the router only decides *whether* a destination gets a record kind
 * (docs/reference/destinations.md#data-kinds-and-destinations).
 */
import type { ButlerSosSettings } from '../config/schema.ts';
import type { Logger } from '../logging/logger.ts';
import {
  engineHealthPromScope,
  engineHealthToInflux,
  engineHealthToMqtt,
  engineHealthToNewRelic,
  engineHealthToPrometheus,
} from '../mapping/engine-health.ts';
import { errorEventToInflux } from '../mapping/errors.ts';
import { eventCountsToInflux } from '../mapping/event-counts.ts';
import { failedPollToInflux } from '../mapping/failed-poll.ts';
import { logEventToInflux, logEventToMqtt, logEventToNewRelic } from '../mapping/log-event.ts';
import { logDbRowToInflux, logDbRowToMqtt, serverForLogDbRow } from '../mapping/logdb.ts';
import {
  proxySessionsPromScope,
  proxySessionsToInflux,
  proxySessionsToMqtt,
  proxySessionsToNewRelic,
  proxySessionsToPrometheus,
} from '../mapping/proxy-sessions.ts';
import type { InfluxPoint, InfluxVersion, NewRelicMetric } from '../mapping/shapes.ts';
import { uptimeToInflux, uptimeToNewRelic } from '../mapping/uptime.ts';
import { userEventToInflux, userEventToMqtt, userEventToNewRelic } from '../mapping/user-event.ts';
import type { EngineHealthRecord } from '../records/engine-health.ts';
import type { ErrorEventRecord } from '../records/error-event.ts';
import type { EventCountsRecord } from '../records/event-counts.ts';
import type { FailedPollRecord } from '../records/failed-poll.ts';
import type { LogEventRecord } from '../records/log-event.ts';
import type { LogDbRecord } from '../records/logdb.ts';
import type { ProxySessionsRecord } from '../records/proxy-sessions.ts';
import type { UptimeRecord } from '../records/uptime.ts';
import type { UserEventRecord } from '../records/user-event.ts';
import type { Destinations } from './destinations.ts';

export interface Router {
  engineHealth(record: EngineHealthRecord): void;
  proxySessions(record: ProxySessionsRecord): void;
  failedPoll(record: FailedPollRecord): void;
  logEvent(record: LogEventRecord): void;
  userEvent(record: UserEventRecord): void;
  eventCounts(record: EventCountsRecord): void;
  uptime(record: UptimeRecord): void;
  errorEvent(record: ErrorEventRecord): void;
  logDbRow(record: LogDbRecord): void;
}

export interface RouterOptions {
  settings: ButlerSosSettings;
  destinations: Destinations;
  version: string;
  log: Logger;
}

/** The Metric API's `interval.ms`: how often these gauges are sampled. */
function withInterval(metrics: NewRelicMetric[], intervalMs: number): NewRelicMetric[] {
  for (const metric of metrics) metric.intervalMs = intervalMs;
  return metrics;
}

export function createRouter(options: RouterOptions): Router {
  const { settings: s, destinations: d, version } = options;
  const influxVersion = s.influxdbConfig.version as InfluxVersion;
  const influx = d.influx;
  const mqtt = d.mqtt?.queue;
  const prom = d.prometheus;

  // Account lists are resolved once, so an unknown account name is logged once.
  // Health and proxy-session metrics use the user-events list (upstream quirk,
  // docs/reference/new-relic.md#accounts-and-credentials).
  const metricAccounts = s.newRelic.enable
    ? d.newRelicAccounts(
        s.newRelic.metric.destinationAccount.length > 0
          ? s.newRelic.metric.destinationAccount
          : s.userEvents.sendToNewRelic.destinationAccount,
      )
    : [];
  const userEventAccounts =
    s.newRelic.enable && s.userEvents.sendToNewRelic.enable
      ? d.newRelicAccounts(s.userEvents.sendToNewRelic.destinationAccount)
      : [];
  const logEventAccounts =
    s.newRelic.enable && s.logEvents.sendToNewRelic.enable
      ? d.newRelicAccounts(s.logEvents.sendToNewRelic.destinationAccount)
      : [];
  const uptimeAccounts =
    s.uptimeMonitor.enable && s.uptimeMonitor.storeNewRelic.enable
      ? d.newRelicAccounts(s.uptimeMonitor.storeNewRelic.destinationAccount)
      : [];

  const stores = d.pointSinks;
  const enabledInflux = { ...s.influxdbConfig, enable: true };
  /**
   * Points go to InfluxDB when it and the data kind are enabled, and always to the local
   * store (in InfluxDB's shape: the v2 one when there is no InfluxDB to match).
   */
  const emitPoints = (toInflux: boolean, make: (version: InfluxVersion) => readonly InfluxPoint[]): void => {
    if (influx && toInflux) {
      const points = make(influxVersion);
      influx.write(points);
      for (const store of stores) store.queue.enqueueMany(points);
    } else if (stores.length > 0) {
      const points = make(2);
      for (const store of stores) store.queue.enqueueMany(points);
    }
  };

  const nrMetricConfig = { newRelic: s.newRelic, butlerSosVersion: version };
  const healthConfig = { influxdbConfig: enabledInflux, appNames: s.appNames };
  const logEvents = s.logEvents;
  const userEvents = s.userEvents;
  const logMqtt = mqtt && logEvents.sendToMQTT.enable;
  const logInflux = logEvents.sendToInfluxdb.enable;
  const logInfluxConfig = { tags: logEvents.tags, rawEventIncludesTags: Boolean(logMqtt) };
  const logMqttConfig = { sendToMQTT: logEvents.sendToMQTT, tags: logEvents.tags };
  const logNrConfig = {
    sendToNewRelic: logEvents.sendToNewRelic,
    tags: logEvents.tags,
    staticAttributes: s.newRelic.event.attribute.static,
    butlerSosVersion: s.newRelic.event.attribute.dynamic.butlerSosVersion.enable ? version : undefined,
  };
  const userMqtt = mqtt && userEvents.sendToMQTT.enable;
  const userInflux = userEvents.sendToInfluxdb.enable;
  const userConfig = {
    sendToMQTT: userEvents.sendToMQTT,
    sendToNewRelic: userEvents.sendToNewRelic,
    tags: userEvents.tags,
  };
  const eventCountConfig = {
    eventCountEnable: s.qlikSenseEvents.eventCount.enable,
    eventCountMeasurement: s.qlikSenseEvents.eventCount.influxdb.measurementName,
    eventCountTags: s.qlikSenseEvents.eventCount.influxdb.tags,
    rejectedEventCountEnable: s.qlikSenseEvents.rejectedEventCount.enable,
    rejectedEventCountMeasurement: s.qlikSenseEvents.rejectedEventCount.influxdb.measurementName,
    rejectedEventCountTags: s.logEvents.enginePerformanceMonitor.trackRejectedEvents.tags,
  };

  return {
    engineHealth(record) {
      if (mqtt) mqtt.enqueueMany(engineHealthToMqtt(record, { mqttConfig: s.mqttConfig }));
      emitPoints(true, (v) => engineHealthToInflux(record, v, healthConfig));
      if (metricAccounts.length > 0) {
        const metrics = withInterval(
          engineHealthToNewRelic(record, nrMetricConfig),
          s.serversToMonitor.pollingInterval,
        );
        for (const account of metricAccounts) account.metrics.enqueueMany(metrics);
      }
      if (prom) {
        const { scope, samples } = engineHealthToPrometheus(record);
        prom.publish(scope, samples);
      }
    },
    proxySessions(record) {
      if (mqtt) mqtt.enqueueMany(proxySessionsToMqtt(record, { mqttConfig: s.mqttConfig }));
      emitPoints(true, (v) => proxySessionsToInflux(record, v, { influxdbConfig: enabledInflux }));
      if (metricAccounts.length > 0) {
        const metrics = withInterval(
          proxySessionsToNewRelic(record, nrMetricConfig),
          s.userSessions.pollingInterval,
        );
        for (const account of metricAccounts) account.metrics.enqueueMany(metrics);
      }
      if (prom) {
        const { scope, samples } = proxySessionsToPrometheus(record);
        prom.publish(scope, samples);
      }
    },
    failedPoll(record) {
      // A server or virtual proxy that stops answering loses its series at once, instead of
      // exporting its last values forever (upstream, docs/reference/prometheus.md#staleness-and-expiry).
      if (prom && record.pollKind === 'health') prom.removeScope(engineHealthPromScope(record.serverName));
      if (prom && record.pollKind === 'proxy-sessions' && record.virtualProxy !== undefined) {
        prom.removeScope(proxySessionsPromScope(record.serverName, record.virtualProxy));
      }
      emitPoints(true, (v) =>
        failedPollToInflux(record, v, { influxdbConfig: enabledInflux, errorTracking: s.errorTracking }),
      );
    },
    logEvent(record) {
      if (logMqtt) mqtt.enqueueMany(logEventToMqtt(record, logMqttConfig));
      emitPoints(logInflux, (v) => [logEventToInflux(record, v, logInfluxConfig)]);
      if (logEventAccounts.length > 0) {
        const event = logEventToNewRelic(record, logNrConfig);
        if (event) for (const account of logEventAccounts) account.events.enqueue(event);
      }
    },
    userEvent(record) {
      if (userMqtt) mqtt.enqueueMany(userEventToMqtt(record, userConfig));
      emitPoints(userInflux, (v) => [userEventToInflux(record, v, userConfig)]);
      if (userEventAccounts.length > 0) {
        const event = userEventToNewRelic(record, userConfig);
        for (const account of userEventAccounts) account.events.enqueue(event);
      }
    },
    eventCounts(record) {
      emitPoints(s.qlikSenseEvents.influxdb.enable, (v) => eventCountsToInflux(record, v, eventCountConfig));
    },
    uptime(record) {
      if (influx && s.uptimeMonitor.storeInInfluxdb.butlerSOSMemoryUsage) {
        influx.write([
          uptimeToInflux(record, { instanceTag: s.uptimeMonitor.storeInInfluxdb.instanceTag, version }),
        ]);
      }
      if (uptimeAccounts.length > 0) {
        const nr = s.uptimeMonitor.storeNewRelic;
        const payload = uptimeToNewRelic(record, {
          staticAttributes: nr.attribute.static,
          includeVersion: nr.attribute.dynamic.butlerVersion.enable,
          version,
          memoryUsage: nr.metric.dynamic.butlerMemoryUsage.enable,
          uptime: nr.metric.dynamic.butlerUptime.enable,
        });
        const metrics = payload.metrics.map((m) => ({
          ...m,
          attributes: { ...payload.attributes, ...m.attributes },
        }));
        for (const account of uptimeAccounts) account.metrics.enqueueMany(metrics);
      }
    },
    errorEvent(record) {
      if (!s.errorTracking.enable) return;
      emitPoints(s.errorTracking.influxdb.enable, (v) => [
        errorEventToInflux(record, {
          influxVersion: v,
          measurementName: s.errorTracking.influxdb.measurementName,
        }),
      ]);
    },
    logDbRow(record) {
      // Rows of hosts no server claims (servers[].logDbHost) are not stored, as upstream;
      // MQTT gets every row (upstream only did so when InfluxDB was on: a bug, not a feature).
      const server = serverForLogDbRow(record, s.serversToMonitor.servers);
      if (server) {
        emitPoints(true, (v) => {
          const point = logDbRowToInflux(record, server, v);
          return point ? [point] : [];
        });
      } else {
        options.log.verbose(
          `LOG DB: no server has logDbHost "${record.processHost}"; row ${record.id} not stored`,
        );
      }
      if (mqtt) mqtt.enqueue(logDbRowToMqtt(record, s.mqttConfig.baseTopic));
    },
  };
}
