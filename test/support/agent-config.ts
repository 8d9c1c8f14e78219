/**
 * A complete Butler SOS config for integration tests of the whole agent: the running Sense
 * simulator's servers (all with proxy-session polling on every virtual proxy, server tags,
 * app-name extraction) plus the destinations a test chooses, with short polling intervals
 * and everything that would reach outside the test (telemetry, host info, heartbeat, file
 * logging, disk spool) switched off.
 *
 * `agentConfig()` gives the plain object (`Butler-SOS` root), `agentConfigYaml()` the file
 * text, `loadAgentConfig()` the validated config. `startAgentInProcess()` runs the agent in
 * this process with a recording logger, for tests that inspect logs and stop it cleanly.
 * (Spawning the agent as a child process is test/support/agent-process.ts.)
 */
import { parse, stringify } from 'yaml';
import type { RunningSimulator } from '../../sim/index.ts';
import { configSnippet } from '../../sim/snippet.ts';
import { type RunningAgent, startAgent } from '../../src/agent/agent.ts';
import { loadConfigText } from '../../src/config/load.ts';
import type { ButlerSosConfig } from '../../src/config/schema.ts';
import { createRecordingLogger, type RecordedLine } from '../../src/logging/logger.ts';

type Plain = Record<string, unknown>;

export type InfluxDestination =
  | { version: 1; url: string; dbName: string; retentionPolicy?: { name: string; duration: string } }
  | { version: 2; url: string; org: string; bucket: string; token: string; retentionDuration?: string }
  | { version: 3; url: string; database: string; token: string; retentionDuration?: string };

export interface NewRelicDestination {
  /** Metric API URL (`newRelic.metric.url`). */
  metricUrl: string;
  /** Event API base URL (`newRelic.event.url`). */
  eventUrl: string;
  accounts: { accountName: string; insertApiKey: string; accountId: string }[];
  /** `newRelic.metric.attribute.static`. */
  staticAttributes?: { name: string; value: string }[];
  /** `newRelic.metric.header`. */
  headers?: { name: string; value: string }[];
}

export interface AgentDestinations {
  influxdb?: InfluxDestination;
  /** The /metrics endpoint; port 0 (default) lets the OS choose. */
  prometheus?: { host?: string; port?: number; nodeMetricsPort?: number };
  /** Broker URL (`mqtt://host:port`) and `mqttConfig.baseTopic` (use a unique one per test). */
  mqtt?: { url: string; baseTopic: string };
  newRelic?: NewRelicDestination;
}

export interface AgentConfigOptions {
  sim: Pick<RunningSimulator, 'servers' | 'qrsHost' | 'certFiles'>;
  destinations: AgentDestinations;
  /** `serversToMonitor.pollingInterval` and `userSessions.pollingInterval`; default 1000 ms. */
  pollingIntervalMs?: number;
  /** `appNames.extractInterval`; default 60000 ms (the first extract runs at start). */
  appNamesIntervalMs?: number;
  /**
   * Value of the `server_group` server tag of every server (default `SIMULATED`); a unique
   * value finds this test's series in a shared store (VictoriaMetrics, Prometheus).
   */
  serverGroup?: string;
  /** Merged last into `Butler-SOS` (mappings recursively; lists and scalars replace). */
  extra?: Plain;
}

function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `base` with `override` merged in, recursively for mappings (lists and scalars replace). */
export function mergeConfig(base: Plain, override: Plain): Plain {
  const out: Plain = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] = isPlain(current) && isPlain(value) ? mergeConfig(current, value) : value;
  }
  return out;
}

function hostAndPort(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port) };
}

function influxSection(influx: InfluxDestination | undefined): Plain {
  if (!influx) return { enable: false };
  const { host, port } = hostAndPort(influx.url);
  const common = { enable: true, host, port, version: influx.version, maxBatchSize: 1000 };
  // Every docs list on, so the *_docs and *_names fields carry values
  // (docs/reference/influxdb.md#engine-health).
  const includeFields = { activeDocs: true, loadedDocs: true, inMemoryDocs: true };
  switch (influx.version) {
    case 1:
      return {
        ...common,
        includeFields,
        v1Config: {
          auth: { enable: false, username: '', password: '' },
          dbName: influx.dbName,
          retentionPolicy: influx.retentionPolicy ?? { name: '10d', duration: '10d' },
        },
      };
    case 2:
      return {
        ...common,
        includeFields,
        v2Config: {
          org: influx.org,
          bucket: influx.bucket,
          description: 'Butler SOS integration test',
          token: influx.token,
          retentionDuration: influx.retentionDuration ?? '10d',
        },
      };
    case 3:
      return {
        ...common,
        includeFields,
        v3Config: {
          database: influx.database,
          description: 'Butler SOS integration test',
          token: influx.token,
          retentionDuration: influx.retentionDuration ?? '10d',
          writeTimeout: 5000,
          queryTimeout: 5000,
        },
      };
  }
}

/** The whole config as a plain object with the `Butler-SOS` root key. */
/** Config keys for log events (engine source) and user events on loopback UDP ports. */
export function udpEventsOnLoopback(logPort: number, userPort: number): Plain {
  return {
    logEvents: {
      udpServerConfig: { serverHost: '127.0.0.1', portLogEvents: logPort },
      source: { engine: { enable: true } },
    },
    userEvents: {
      enable: true,
      udpServerConfig: { serverHost: '127.0.0.1', portUserActivityEvents: userPort },
    },
  };
}

export function agentConfig(options: AgentConfigOptions): Plain {
  const { destinations: d } = options;
  const interval = options.pollingIntervalMs ?? 1000;
  const sim = parse(configSnippet(options.sim))['Butler-SOS'] as Plain & {
    appNames: Plain;
    serversToMonitor: Plain;
  };
  const mqtt = d.mqtt ? hostAndPort(d.mqtt.url) : undefined;
  const nr = d.newRelic;
  const accountNames = nr?.accounts.map((a) => a.accountName) ?? [];

  const settings: Plain = {
    logLevel: 'verbose',
    fileLogging: false,
    anonTelemetry: false,
    systemInfo: { enable: false },
    heartbeat: { enable: false },
    dockerHealthCheck: { enable: false },
    uptimeMonitor: { enable: false },
    webUi: { enable: false },
    configVisualisation: { enable: false },
    localStore: { enable: false },
    // Memory queues only: the tests run the agent in-process without a disk spool.
    delivery: { spoolEnable: false, flushIntervalMs: 200 },
    errorTracking: {
      enable: true,
      logSummary: { enable: false },
      influxdb: { enable: true, measurementName: 'butler_sos_errors' },
    },
    thirdPartyToolsCredentials: { newRelic: nr?.accounts ?? [] },
    cert: sim.cert,
    appNames: { ...sim.appNames, extractInterval: options.appNamesIntervalMs ?? 60_000 },
    userSessions: { enableSessionExtract: true, pollingInterval: interval, excludeUser: [] },
    serversToMonitor: {
      ...sim.serversToMonitor,
      pollingInterval: interval,
      servers: (sim.serversToMonitor.servers as Plain[]).map((server) =>
        options.serverGroup === undefined
          ? server
          : { ...server, serverTags: { server_group: options.serverGroup } },
      ),
    },
    influxdbConfig: influxSection(d.influxdb),
    prometheus: d.prometheus
      ? {
          enable: true,
          host: d.prometheus.host ?? '127.0.0.1',
          port: d.prometheus.port ?? 0,
          // Upstream's Node.js metrics endpoint: off unless a test asks (0 = same as port).
          nodeMetricsHost: '127.0.0.1',
          nodeMetricsPort: d.prometheus.nodeMetricsPort ?? d.prometheus.port ?? 0,
        }
      : { enable: false },
    mqttConfig: mqtt
      ? { enable: true, brokerHost: mqtt.host, brokerPort: mqtt.port, baseTopic: d.mqtt?.baseTopic }
      : { enable: false },
    newRelic: nr
      ? {
          enable: true,
          event: { url: nr.eventUrl, header: [], attribute: { static: [] } },
          metric: {
            // Empty on purpose: upstream routes health and session metrics to the user-events
            // account list (docs/reference/new-relic.md#accounts-and-credentials), which is what a
            // drop-in config relies on.
            destinationAccount: [],
            url: nr.metricUrl,
            header: nr.headers ?? [],
            attribute: { static: nr.staticAttributes ?? [], dynamic: { butlerSosVersion: { enable: true } } },
          },
        }
      : { enable: false },
    userEvents: {
      enable: false,
      sendToNewRelic: { enable: false, destinationAccount: accountNames },
    },
  };
  return { 'Butler-SOS': mergeConfig(settings, options.extra ?? {}) };
}

export function agentConfigYaml(options: AgentConfigOptions): string {
  return stringify(agentConfig(options), { lineWidth: 0 });
}

/** Validates the config as the agent's loader does (throws ConfigError on a bad one). */
export function loadAgentConfig(options: AgentConfigOptions): ButlerSosConfig {
  return loadConfigText(agentConfigYaml(options), 'agent-config.yaml').config;
}

export interface InProcessAgent {
  agent: RunningAgent;
  config: ButlerSosConfig;
  /** Everything the agent logged. */
  lines: RecordedLine[];
  /** `http://127.0.0.1:PORT` of /metrics when Prometheus is enabled. */
  metricsUrl: string | undefined;
  stop(): Promise<void>;
}

/** Starts the agent in this process with a recording logger. */
export async function startAgentInProcess(
  options: AgentConfigOptions & { version?: string },
): Promise<InProcessAgent> {
  const config = loadAgentConfig(options);
  const log = createRecordingLogger();
  const agent = await startAgent({
    config,
    log,
    version: options.version ?? '0.0.0-test',
    configView: () => ({}),
  });
  let metricsUrl: string | undefined;
  if (config['Butler-SOS'].prometheus.enable) {
    // The agent logs the address the metrics server bound (the port may be OS-chosen).
    const line = log.lines.find((l) => /^PROM: .*listening on http:\/\//.test(l.message));
    metricsUrl = line && /listening on (http:\/\/\S+)/.exec(line.message)?.[1];
    if (!metricsUrl) {
      await agent.stop(1000);
      throw new Error(`the agent did not log the /metrics address: ${line?.message ?? 'no PROM line'}`);
    }
  }
  return {
    agent,
    config,
    lines: log.lines,
    metricsUrl,
    stop: () => agent.stop(3000),
  };
}
