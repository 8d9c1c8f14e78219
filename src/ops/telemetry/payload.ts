/**
 * The anonymous telemetry event: exactly the properties of docs/reference/runtime.md#telemetry-event (service
 * and version, system facts, enable flags, the categorisation rule count and the InfluxDB
 * version), and nothing else. Built from the loaded config by reading the listed keys
 * only, so no other config value can slip in.
 */
import type { SystemInfo } from '../system-info.ts';

export const TELEMETRY_EVENT = 'telemetry sent';

/** The `Butler-SOS` section of the loaded config; only the enable flags listed below are read. */
export type TelemetryConfig = Record<string, unknown>;

export interface TelemetryInputs {
  config: TelemetryConfig;
  /** undefined when host information could not be gathered (fallback values are sent). */
  system: SystemInfo | undefined;
  /** From `instanceIdFor`; undefined → `unknown-host-id`. */
  instanceId: string | undefined;
  /** Product version; undefined → `unknown`. */
  version: string | undefined;
}

export interface TelemetryPayload {
  event: typeof TELEMETRY_EVENT;
  distinctId: string;
  properties: TelemetryProperties;
}

type Flag = boolean;

export interface TelemetryProperties {
  service: 'butler-sos';
  serviceVersion: string;
  system_id: string;
  system_arch: string;
  system_platform: string;
  system_release: string;
  system_distro: string;
  system_codename: string;
  system_virtual: boolean;
  system_isRunningInDocker: boolean;
  system_nodeVersion: string;
  feature_heartbeat: Flag;
  feature_dockerHealthCheck: Flag;
  feature_uptimeMonitor: Flag;
  feature_uptimeMonitor_storeNewRelic: Flag;
  feature_udpServer: unknown;
  feature_eventCount: Flag;
  feature_rejectedEventCount: Flag;
  feature_userEvents: Flag;
  feature_userEventsMQTT: Flag;
  feature_userEventsInfluxdb: Flag;
  feature_userEventsNewRelic: Flag;
  feature_logEventsProxy: Flag;
  feature_logEventsScheduler: Flag;
  feature_logEventsRepository: Flag;
  feature_logEventCategorise: Flag;
  feature_logEventCategoriseRuleCount: number;
  feature_logEventCategoriseRuleDefault: Flag;
  feature_logEventEnginePerformanceMonitor: Flag;
  feature_logEventEnginePerformanceMonitorNameLookup: Flag;
  feature_logEventEnginePerformanceMonitorTrackRejected: Flag;
  feature_logEventsMQTT: Flag;
  feature_logEventsInfluxdb: Flag;
  feature_logEventsNewRelic: Flag;
  feature_mqtt: Flag;
  feature_newRelic: Flag;
  feature_prometheus: Flag;
  feature_influxdb: Flag;
  feature_influxdb_version: number | string;
  feature_appNames: Flag;
  feature_userSessions: Flag;
  telemetry_json: {
    system: {
      id: string;
      arch: string;
      platform: string;
      release: string;
      distro: string;
      codename: string;
      virtual: boolean;
      isRunningInDocker: boolean;
      nodeVersion: string;
    };
    enabledFeatures: { feature: Record<string, unknown> };
  };
}

function get(config: unknown, path: string): unknown {
  let node: unknown = config;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** `true` only when the key holds exactly `true`. */
const on = (config: TelemetryConfig, path: string): boolean => get(config, path) === true;

/** Telemetry must only ever carry plain scalars read from system facts; guard against objects. */
const text = (value: unknown, fallback: string): string =>
  typeof value === 'string' && value !== '' ? value : fallback;

export function buildTelemetryPayload(inputs: TelemetryInputs): TelemetryPayload {
  const id = inputs.instanceId || 'unknown-host-id';
  const sys = systemFacts(inputs.system, id);
  const feature = enabledFeatures(inputs.config);
  return { event: TELEMETRY_EVENT, distinctId: id, properties: flatProperties(inputs.version, sys, feature) };
}

type SystemFacts = TelemetryProperties['telemetry_json']['system'];
type Features = ReturnType<typeof enabledFeatures>;

/** The host facts, each a plain string or boolean (fallbacks when unknown). */
function systemFacts(system: SystemInfo | undefined, id: string): SystemFacts {
  return {
    id,
    arch: text(system?.arch, 'unknown'),
    platform: text(system?.platform, 'unknown'),
    release: text(system?.release, 'unknown'),
    distro: text(system?.distro, 'unknown'),
    codename: text(system?.codename, 'unknown'),
    virtual: system?.virtual === true,
    isRunningInDocker: system?.isRunningInDocker === true,
    nodeVersion: text(system?.nodeVersion, 'unknown'),
  };
}

/** The enable flags read from the config, by their listed keys only. */
function enabledFeatures(config: TelemetryConfig) {
  const rules = get(config, 'logEvents.categorise.rules');
  const influxVersion = get(config, 'influxdbConfig.version');
  const udpServer = get(config, 'userEvents.enable');
  return {
    heartbeat: on(config, 'heartbeat.enable'),
    dockerHealthCheck: on(config, 'dockerHealthCheck.enable'),
    uptimeMonitor: on(config, 'uptimeMonitor.enable'),
    uptimeMonitorNewRelic: on(config, 'uptimeMonitor.storeNewRelic.enable'),
    udpServer: typeof udpServer === 'boolean' ? udpServer : false,
    eventCount: on(config, 'qlikSenseEvents.eventCount.enable'),
    rejectedEventCount: on(config, 'qlikSenseEvents.rejectedEventCount.enable'),
    userEvents: on(config, 'userEvents.enable'),
    userEventsMQTT: on(config, 'userEvents.sendToMQTT.enable'),
    userEventsInfluxdb: on(config, 'userEvents.sendToInfluxdb.enable'),
    userEventsNewRelic: on(config, 'userEvents.sendToNewRelic.enable'),
    logEventsProxy: on(config, 'logEvents.source.proxy.enable'),
    logEventsScheduler: on(config, 'logEvents.source.scheduler.enable'),
    logEventsRepository: on(config, 'logEvents.source.repository.enable'),
    logEventCategorise: on(config, 'logEvents.categorise.enable'),
    logEventCategoriseRuleCount: Array.isArray(rules) ? rules.length : 0,
    logEventCategoriseRuleDefault: on(config, 'logEvents.categorise.ruleDefault.enable'),
    logEventEnginePerformanceMonitor: on(config, 'logEvents.enginePerformanceMonitor.enable'),
    logEventEnginePerformanceMonitorNameLookup: on(
      config,
      'logEvents.enginePerformanceMonitor.appNameLookup.enable',
    ),
    logEventEnginePerformanceMonitorTrackRejected: on(
      config,
      'logEvents.enginePerformanceMonitor.trackRejectedEvents.enable',
    ),
    logEventsMQTT: on(config, 'logEvents.sendToMQTT.enable'),
    logEventsInfluxdb: on(config, 'logEvents.sendToInfluxdb.enable'),
    logEventsNewRelic: on(config, 'logEvents.sendToNewRelic.enable'),
    mqtt: on(config, 'mqttConfig.enable'),
    newRelic: on(config, 'newRelic.enable'),
    prometheus: on(config, 'prometheus.enable'),
    influxdb: on(config, 'influxdbConfig.enable'),
    // The version is an enumerated number (1, 2, 3); anything else is not sent.
    influxdbVersion:
      typeof influxVersion === 'number' && Number.isFinite(influxVersion) ? influxVersion : 'unknown',
    appNames: on(config, 'appNames.enableAppNameExtract'),
    userSessions: on(config, 'userSessions.enableSessionExtract'),
  };
}

/** The event's properties: each fact and flag at the top level, and both groups again under telemetry_json. */
function flatProperties(
  version: string | undefined,
  sys: SystemFacts,
  feature: Features,
): TelemetryProperties {
  return {
    service: 'butler-sos',
    serviceVersion: text(version, 'unknown'),
    system_id: sys.id,
    system_arch: sys.arch,
    system_platform: sys.platform,
    system_release: sys.release,
    system_distro: sys.distro,
    system_codename: sys.codename,
    system_virtual: sys.virtual,
    system_isRunningInDocker: sys.isRunningInDocker,
    system_nodeVersion: sys.nodeVersion,
    feature_heartbeat: feature.heartbeat,
    feature_dockerHealthCheck: feature.dockerHealthCheck,
    feature_uptimeMonitor: feature.uptimeMonitor,
    feature_uptimeMonitor_storeNewRelic: feature.uptimeMonitorNewRelic,
    feature_udpServer: feature.udpServer,
    feature_eventCount: feature.eventCount,
    feature_rejectedEventCount: feature.rejectedEventCount,
    feature_userEvents: feature.userEvents,
    feature_userEventsMQTT: feature.userEventsMQTT,
    feature_userEventsInfluxdb: feature.userEventsInfluxdb,
    feature_userEventsNewRelic: feature.userEventsNewRelic,
    feature_logEventsProxy: feature.logEventsProxy,
    feature_logEventsScheduler: feature.logEventsScheduler,
    feature_logEventsRepository: feature.logEventsRepository,
    feature_logEventCategorise: feature.logEventCategorise,
    feature_logEventCategoriseRuleCount: feature.logEventCategoriseRuleCount,
    feature_logEventCategoriseRuleDefault: feature.logEventCategoriseRuleDefault,
    feature_logEventEnginePerformanceMonitor: feature.logEventEnginePerformanceMonitor,
    feature_logEventEnginePerformanceMonitorNameLookup: feature.logEventEnginePerformanceMonitorNameLookup,
    feature_logEventEnginePerformanceMonitorTrackRejected:
      feature.logEventEnginePerformanceMonitorTrackRejected,
    feature_logEventsMQTT: feature.logEventsMQTT,
    feature_logEventsInfluxdb: feature.logEventsInfluxdb,
    feature_logEventsNewRelic: feature.logEventsNewRelic,
    feature_mqtt: feature.mqtt,
    feature_newRelic: feature.newRelic,
    feature_prometheus: feature.prometheus,
    feature_influxdb: feature.influxdb,
    feature_influxdb_version: feature.influxdbVersion,
    feature_appNames: feature.appNames,
    feature_userSessions: feature.userSessions,
    telemetry_json: { system: sys, enabledFeatures: { feature } },
  };
}
