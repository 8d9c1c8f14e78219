/**
 * Cross-field checks on a config that passed the schema (upstream's phase B,
 * docs/reference/runtime.md#cross-field-rules), plus the format checks that only matter when
 * the feature using the value is on (host names, URIs, schedules, "required when enabled").
 * Placeholders are left to placeholders.ts.
 */

import { logDbPeriodMs } from '../sources/logdb/period.ts';
import { isHostname, isPlaceholder, isUri, scheduleProblem } from './formats.ts';
import { formatPath, type KeyPath } from './paths.ts';
import type { ButlerSosConfig } from './schema.ts';

export interface RawIssue {
  path: KeyPath;
  message: string;
  expected?: string;
}

export interface CheckResult {
  errors: RawIssue[];
  warnings: RawIssue[];
}

const ROOT = 'Butler-SOS';
const PROMETHEUS_LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** What a checked setting must be, and how an error about it reads. */
interface ValueKind {
  isValid(value: string): boolean;
  name: string;
  expected: string;
}
const HOST: ValueKind = {
  isValid: isHostname,
  name: 'host name or IP address',
  expected: 'a host name or IP address',
};
const URI: ValueKind = { isValid: isUri, name: 'URL', expected: 'a URL such as https://host/path' };

/** True when the log-event UDP listener will be started (any source enabled). */
export function logEventListenerStarts(config: ButlerSosConfig): boolean {
  return Object.values(config[ROOT].logEvents.source).some((source) => source.enable);
}

export function checkConfig(
  config: ButlerSosConfig,
  lineOf: (path: KeyPath) => number | undefined,
): CheckResult {
  const s = config[ROOT];
  const errors: RawIssue[] = [];
  const warnings: RawIssue[] = [];
  const at = (path: KeyPath) => {
    const line = lineOf([ROOT, ...path]);
    return line === undefined ? formatPath([ROOT, ...path]) : `${formatPath([ROOT, ...path])} (line ${line})`;
  };
  const error = (path: KeyPath, message: string, expected?: string) =>
    errors.push({ path: [ROOT, ...path], message, ...(expected ? { expected } : {}) });
  const warn = (path: KeyPath, message: string) => warnings.push({ path: [ROOT, ...path], message });

  /** Must be set (when `required`) and, when set, be a valid `kind`; placeholders pass. */
  const requireValid = (kind: ValueKind, path: KeyPath, value: string, because: string, required = true) => {
    if (isPlaceholder(value)) return;
    if (value === '') {
      if (required) error(path, `must be set because ${because}`, kind.expected);
    } else if (!kind.isValid(value)) {
      error(path, `"${value}" is not a valid ${kind.name} (${because})`, kind.expected);
    }
  };
  const requireHost = (path: KeyPath, value: string, because: string, required = true) =>
    requireValid(HOST, path, value, because, required);
  const requireUri = (path: KeyPath, value: string, because: string) =>
    requireValid(URI, path, value, because);
  const requireText = (path: KeyPath, value: string, because: string, expected: string) => {
    if (value.trim() === '') error(path, `must be set because ${because}`, expected);
  };
  const requireSchedule = (path: KeyPath, value: string, because: string) => {
    const problem = scheduleProblem(value);
    if (problem)
      error(
        path,
        `schedule "${value}" ${problem} (${because})`,
        'a later.js text schedule such as "every 15 minutes"',
      );
  };

  // 1. InfluxDB: the version's settings must be usable.
  const influx = s.influxdbConfig;
  if (influx.enable) {
    const because = 'influxdbConfig.enable is true';
    requireHost(['influxdbConfig', 'host'], influx.host, because);
    if (influx.version === 1 && influx.v1Config.auth.enable) {
      requireText(
        ['influxdbConfig', 'v1Config', 'auth', 'username'],
        influx.v1Config.auth.username,
        'v1Config.auth.enable is true',
        'a user name',
      );
    }
    if (influx.version === 2) {
      const why = 'influxdbConfig.version is 2';
      requireText(['influxdbConfig', 'v2Config', 'org'], influx.v2Config.org, why, 'an organisation name');
      requireText(['influxdbConfig', 'v2Config', 'bucket'], influx.v2Config.bucket, why, 'a bucket name');
      requireText(['influxdbConfig', 'v2Config', 'token'], influx.v2Config.token, why, 'an API token');
    }
    if (influx.version === 3) {
      requireText(
        ['influxdbConfig', 'v3Config', 'database'],
        influx.v3Config.database,
        'influxdbConfig.version is 3',
        'a database name',
      );
    }
  }

  // 2. Telemetry needs system information (upstream refuses to start otherwise).
  if (s.anonTelemetry === true && s.systemInfo.enable === false) {
    error(
      ['anonTelemetry'],
      `Anonymous telemetry is enabled (${at(['anonTelemetry'])}) while system information gathering is disabled ` +
        `(${at(['systemInfo', 'enable'])}). Telemetry needs system information: set either ` +
        'Butler-SOS.anonTelemetry=false or Butler-SOS.systemInfo.enable=true.',
      'anonTelemetry false, or systemInfo.enable true',
    );
  }

  // 3. Server tags: every defined tag on every server, and only defined tags.
  const definition = s.serversToMonitor.serverTagsDefinition;
  s.serversToMonitor.servers.forEach((server, i) => {
    const serverPath = ['serversToMonitor', 'servers', i];
    for (const tag of definition) {
      if (!Object.hasOwn(server.serverTags, tag)) {
        error(
          [...serverPath, 'serverTags'],
          `Server tag "${tag}" is not defined for server "${server.serverName}"`,
          `a value for tag "${tag}"`,
        );
      }
    }
    for (const tag of Object.keys(server.serverTags)) {
      if (!definition.includes(tag)) {
        error(
          [...serverPath, 'serverTags', tag],
          `Server tag "${tag}" for server "${server.serverName}" is not defined in Butler-SOS.serversToMonitor.serverTagsDefinition`,
          'only tags listed in serverTagsDefinition',
        );
      }
    }
  });
  if (s.prometheus.enable) {
    definition.forEach((tag, i) => {
      if (!PROMETHEUS_LABEL.test(tag)) {
        error(
          ['serversToMonitor', 'serverTagsDefinition', i],
          `tag name "${tag}" is not a valid Prometheus label name (prometheus.enable is true)`,
          'a name matching [a-zA-Z_][a-zA-Z0-9_]*',
        );
      }
    });
  }

  // 4. Servers: proxy session settings when they are used; distinct names.
  const seen = new Map<string, number>();
  s.serversToMonitor.servers.forEach((server, i) => {
    const path = ['serversToMonitor', 'servers', i, 'userSessions'];
    const previous = seen.get(server.serverName);
    if (previous !== undefined) {
      warn(
        ['serversToMonitor', 'servers', i, 'serverName'],
        `server name "${server.serverName}" is also used by servers[${previous}]; their metrics will be mixed`,
      );
    } else seen.set(server.serverName, i);
    if (!server.userSessions.enable || !s.userSessions.enableSessionExtract) return;
    const because = 'userSessions.enable is true for this server';
    requireText(
      [...path, 'host'],
      server.userSessions.host,
      because,
      'the proxy host:port, e.g. sense1.my.domain:4243',
    );
    if (server.userSessions.virtualProxies.length === 0) {
      error(
        [...path, 'virtualProxies'],
        `must list at least one virtual proxy because ${because}`,
        'a list such as - virtualProxy: /',
      );
    }
    server.userSessions.virtualProxies.forEach((proxy, j) => {
      if (!proxy.virtualProxy.startsWith('/')) {
        error(
          [...path, 'virtualProxies', j, 'virtualProxy'],
          `virtual proxy "${proxy.virtualProxy}" must start with "/"`,
          'a prefix such as / or /hdr',
        );
      }
    });
  });

  // 5. Host names of enabled features.
  if (s.configVisualisation.enable)
    requireHost(
      ['configVisualisation', 'host'],
      s.configVisualisation.host,
      'configVisualisation.enable is true',
    );
  if (s.userEvents.enable)
    requireHost(
      ['userEvents', 'udpServerConfig', 'serverHost'],
      s.userEvents.udpServerConfig.serverHost,
      'userEvents.enable is true',
    );
  if (logEventListenerStarts(config)) {
    requireHost(
      ['logEvents', 'udpServerConfig', 'serverHost'],
      s.logEvents.udpServerConfig.serverHost,
      'a logEvents.source is enabled',
    );
  }
  if (s.mqttConfig.enable)
    requireHost(['mqttConfig', 'brokerHost'], s.mqttConfig.brokerHost, 'mqttConfig.enable is true');
  if (s.prometheus.enable) {
    requireHost(['prometheus', 'host'], s.prometheus.host, 'prometheus.enable is true');
    requireHost(['prometheus', 'nodeMetricsHost'], s.prometheus.nodeMetricsHost, 'prometheus.enable is true');
  }
  if (s.appNames.enableAppNameExtract) {
    // Upstream fixes the QRS port at 4242; an explicit `host:port` is accepted as an extension
    // (a QRS behind another port, or the simulator).
    const qrsHost = /^(.+):(\d{1,5})$/.exec(s.appNames.hostIP)?.[1] ?? s.appNames.hostIP;
    requireHost(['appNames', 'hostIP'], qrsHost, 'appNames.enableAppNameExtract is true');
  }

  // 6. URLs and schedules of enabled features.
  if (s.heartbeat.enable) {
    requireUri(['heartbeat', 'remoteURL'], s.heartbeat.remoteURL, 'heartbeat.enable is true');
    requireSchedule(['heartbeat', 'frequency'], s.heartbeat.frequency, 'heartbeat.enable is true');
  }
  if (s.uptimeMonitor.enable)
    requireSchedule(
      ['uptimeMonitor', 'frequency'],
      s.uptimeMonitor.frequency,
      'uptimeMonitor.enable is true',
    );
  if (s.newRelic.enable)
    requireUri(['newRelic', 'event', 'url'], s.newRelic.event.url, 'newRelic.enable is true');
  if (s.newRelic.enable || s.uptimeMonitor.storeNewRelic.enable) {
    requireUri(
      ['newRelic', 'metric', 'url'],
      s.newRelic.metric.url,
      'New Relic metrics or uptime posting is enabled',
    );
  }

  // 7. Log database poller (upstream up to v10).
  const logdb = s.logdb;
  if (logdb.enable) {
    const because = 'logdb.enable is true';
    requireHost(['logdb', 'host'], logdb.host, because);
    requireText(['logdb', 'qlogsReaderUser'], logdb.qlogsReaderUser, because, 'a database user name');
    if (!logdb.extractErrors && !logdb.extractWarnings && !logdb.extractInfo) {
      // Upstream built an empty SQL `IN ()` list and failed every poll
      // (docs/reference/sense-apis.md#edge-cases-of-the-log-database).
      error(
        ['logdb', 'extractErrors'],
        `extractErrors, extractWarnings and extractInfo are all false, so nothing would be read (${because})`,
        'at least one of logdb.extractErrors, extractWarnings, extractInfo true',
      );
    }
    const periodMs = logDbPeriodMs(logdb.queryPeriod);
    if (periodMs === undefined) {
      error(
        ['logdb', 'queryPeriod'],
        `"${logdb.queryPeriod}" is not a period the log database poller accepts (${because})`,
        'a number and a unit, e.g. "5 minutes", "1 hour", "30 seconds"',
      );
    } else if (periodMs < logdb.pollingInterval) {
      warn(
        ['logdb', 'queryPeriod'],
        `queryPeriod (${logdb.queryPeriod}) is shorter than pollingInterval (${logdb.pollingInterval} ms): rows written between two polls can be missed`,
      );
    }
    if (logdb.pollingInterval < 1000) {
      error(
        ['logdb', 'pollingInterval'],
        `${logdb.pollingInterval} ms is too short (${because})`,
        'at least 1000 (ms)',
      );
    }
    if (!s.serversToMonitor.servers.some((server) => (server.logDbHost ?? '').trim() !== '')) {
      warn(
        ['serversToMonitor', 'servers'],
        'logdb.enable is true but no server has logDbHost: log database rows are not stored in InfluxDB (only published to MQTT)',
      );
    }
  }

  // 8. Warnings: combinations that work but probably not as meant.
  const known = new Set(s.thirdPartyToolsCredentials.newRelic.map((account) => account.accountName));
  const accountLists: Array<[KeyPath, string[], boolean]> = [
    [
      ['uptimeMonitor', 'storeNewRelic', 'destinationAccount'],
      s.uptimeMonitor.storeNewRelic.destinationAccount,
      s.uptimeMonitor.storeNewRelic.enable,
    ],
    [
      ['userEvents', 'sendToNewRelic', 'destinationAccount'],
      s.userEvents.sendToNewRelic.destinationAccount,
      s.newRelic.enable,
    ],
    [
      ['logEvents', 'sendToNewRelic', 'destinationAccount'],
      s.logEvents.sendToNewRelic.destinationAccount,
      s.newRelic.enable && s.logEvents.sendToNewRelic.enable,
    ],
  ];
  for (const [path, names, used] of accountLists) {
    if (!used) continue;
    names.forEach((name, i) => {
      if (!known.has(name))
        warn(
          [...path, i],
          `New Relic account "${name}" is not in thirdPartyToolsCredentials.newRelic (nor given on the command line?)`,
        );
    });
  }
  if (
    s.logEvents.enginePerformanceMonitor.trackRejectedEvents.enable &&
    !s.qlikSenseEvents.rejectedEventCount.enable
  ) {
    warn(
      ['logEvents', 'enginePerformanceMonitor', 'trackRejectedEvents', 'enable'],
      'rejected performance events are not counted because qlikSenseEvents.rejectedEventCount.enable is false',
    );
  }
  return { errors, warnings };
}
