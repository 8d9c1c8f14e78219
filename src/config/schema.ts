/**
 * The one schema of the Butler SOS config file (upstream v14 keys, plus the v15 keys as optional).
 * It gives validation, defaults and the TypeScript types at once.
 *
 * Deliberate leniency compared with upstream (see docs/reference/runtime.md#accepting-v14-and-v15-files):
 * - every key has a default (the template value, `false` for feature switches, `[]` for lists),
 *   so a key missing from the file is not an error;
 * - `null` where a list or a section is expected reads as empty (the template relies on it);
 * - format checks (hostname, URI, schedules) and "required when enabled" rules live in
 *   checks.ts, because they only apply when the feature that uses the value is on.
 * Unknown keys are rejected inside sections and ignored directly under `Butler-SOS`, as upstream.
 */
import { z } from 'zod';
import { LOG_LEVELS } from '../logging/logger.ts';

export { LOG_LEVELS };

/** Levels a categorisation rule may name: the log levels plus `fatal`, which Sense emits. */
export const EVENT_LOG_LEVELS = [...LOG_LEVELS, 'fatal'] as const;

const trim = (value: unknown): unknown => (typeof value === 'string' ? value.trim() : value);
const trimLower = (value: unknown): unknown =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

function bool(fallback: boolean, description: string) {
  return z.boolean().default(fallback).describe(description);
}
function positive(fallback: number, description: string) {
  return z.number().positive().default(fallback).describe(description);
}
function count(fallback: number, description: string) {
  return z.number().int().positive().default(fallback).describe(description);
}
function port(fallback: number, description: string) {
  return z.number().int().min(0).max(65535).default(fallback).describe(description);
}
function str(fallback: string, description: string) {
  return z.string().default(fallback).describe(description);
}
/** A list that may be written as `null` (or left out): both read as `[]`. */
function list<T extends z.ZodType>(item: T, description: string) {
  return z.preprocess((value) => value ?? [], z.array(item)).describe(description);
}
/** A section (object) that rejects unknown keys; `null` or absent reads as `{}`, then defaults fill it. */
function section<S extends z.ZodRawShape>(shape: S, description: string) {
  return z.preprocess((value) => value ?? {}, z.strictObject(shape)).describe(description);
}
/** A section whose unknown keys upstream accepts: they are ignored (dropped), not rejected. */
function openSection<S extends z.ZodRawShape>(shape: S, description: string) {
  return z.preprocess((value) => value ?? {}, z.object(shape)).describe(description);
}
function enableOnly(fallback: boolean, description: string) {
  return section({ enable: bool(fallback, description) }, description);
}

/** Ours: the opt-in structured MQTT mode (docs/mqtt-structured-events.md). */
function structuredMqtt(what: string) {
  return section(
    {
      enable: bool(
        false,
        `Also publish one JSON document per ${what} with every parsed field (this implementation).`,
      ),
      baseTopic: str('butler-sos/events', 'Base of the structured topics.'),
      retain: bool(false, 'Publish with the MQTT retain flag.'),
    },
    `Structured MQTT for ${what}s (this implementation).`,
  );
}

/** A scalar YAML value used as text (tag values, header values, account ids): numbers and booleans are stringified. */
const text = z
  .union([z.string(), z.number(), z.boolean()], { error: 'expected a string' })
  .transform((value) => String(value));

const nameValue = z
  .strictObject({
    name: z.string().min(1).describe('Name.'),
    value: text.describe('Value.'),
  })
  .describe('A name/value pair.');

const userRef = z.strictObject({
  directory: z.string().describe('User directory, exact match.'),
  userId: z.string().describe('User id, exact match.'),
});

const appRef = z.strictObject({
  appId: z.string().optional().describe('App id; when given it must match.'),
  appName: z.string().optional().describe('App name; when given it must match.'),
});

/** Object ids: upstream's schema wants strings, its runtime reads `{objectId}`; both are accepted, read as strings. */
const objectIdRef = z
  .union([z.string(), z.strictObject({ objectId: z.string() })], {
    error: 'expected an object id string or {objectId}',
  })
  .transform((value) => (typeof value === 'string' ? value : value.objectId));

const levelEnum = z.preprocess(trim, z.enum(LOG_LEVELS));

// ---------------------------------------------------------------------------------------------
// Shared pieces

function udpServerConfig<P extends z.ZodRawShape>(portShape: P, measurement: string, what: string) {
  return section(
    {
      serverHost: str('0.0.0.0', `Host name or IPv4 address the ${what} UDP listener binds to.`),
      ...portShape,
      messageQueue: section(
        {
          maxConcurrent: count(10, 'Datagrams processed at the same time.'),
          maxSize: count(200, 'Datagrams waiting; further ones are dropped and counted ("queue full").'),
          backpressureThreshold: z
            .number()
            .min(0)
            .max(100)
            .default(80)
            .describe('Warn when the queue is this full (percent of maxSize).'),
        },
        'Queue between the UDP socket and event processing.',
      ),
      rateLimit: section(
        {
          enable: bool(false, 'Limit datagrams per minute.'),
          maxMessagesPerMinute: count(
            600,
            'Datagrams accepted per fixed 60 s window; excess is dropped and counted.',
          ),
        },
        'Per-minute rate limit.',
      ),
      maxMessageSize: count(65507, 'Larger datagrams are dropped and counted (bytes).'),
      receiveBufferBytes: count(
        32 * 1024 * 1024,
        'Socket receive buffer to ask the OS for (bytes; this implementation). Linux caps it at net.core.rmem_max.',
      ),
      queueMetrics: section(
        {
          influxdb: section(
            {
              enable: bool(false, 'Write queue metrics to InfluxDB (also needs influxdbConfig.enable).'),
              writeFrequency: positive(20000, 'Write interval (ms).'),
              measurementName: str(measurement, 'Measurement name.'),
              tags: list(nameValue, 'Static tags on queue metric points.'),
            },
            'Queue metrics in InfluxDB.',
          ),
        },
        'Queue metrics.',
      ),
      enableSourceValidation: bool(false, '[v15] Accept datagrams only from allowedSources.'),
      allowedSources: list(
        z.string(),
        '[v15] Host names or IP addresses allowed to send (when enableSourceValidation).',
      ),
    },
    `UDP listener for ${what}.`,
  );
}

function mqttTopic(topic: string, what: string) {
  return section(
    {
      enable: bool(true, `Publish ${what}.`),
      topic: str(topic, `Topic for ${what}.`),
    },
    `Topic for ${what}.`,
  );
}

function objectTypeFilter() {
  return section(
    {
      allObjectTypes: bool(true, 'Monitor every object type (except allObjectTypesExclude).'),
      allObjectTypesExclude: list(z.string(), 'Object types left out when allObjectTypes is true.'),
      someObjectTypesInclude: list(z.string(), 'Object types monitored when allObjectTypes is false.'),
    },
    'Object type filter.',
  );
}

function methodFilter() {
  return section(
    {
      allMethods: bool(true, 'Monitor every engine method (except allMethodsExclude).'),
      allMethodsExclude: list(z.string(), 'Methods left out when allMethods is true.'),
      someMethodsInclude: list(z.string(), 'Methods monitored when allMethods is false.'),
    },
    'Engine method filter.',
  );
}

function newRelicAttributes(versionKey: 'butlerSosVersion', what: string) {
  return openSection(
    {
      static: list(nameValue, `Static attributes on ${what}.`),
      dynamic: openSection(
        { [versionKey]: enableOnly(true, `Add the Butler SOS version attribute to ${what}.`) } as {
          butlerSosVersion: ReturnType<typeof enableOnly>;
        },
        'Dynamic attributes.',
      ),
    },
    `Attributes on ${what}.`,
  );
}

function logLevelSwitches(what: string) {
  return openSection(
    {
      error: bool(true, `Send error-level ${what} events.`),
      warn: bool(true, `Send warning-level ${what} events.`),
    },
    `Per-level switches for ${what}.`,
  );
}

function newRelicSource(what: string) {
  return section(
    {
      enable: bool(true, `Send ${what} log events to New Relic.`),
      logLevel: logLevelSwitches(what),
    },
    `${what} log events.`,
  );
}

// ---------------------------------------------------------------------------------------------
// Sections

const systemInfo = section(
  {
    enable: bool(
      true,
      'Gather detailed host information with OS commands (false: minimal, from the runtime).',
    ),
  },
  'Host information gathering.',
);

const crashFile = section(
  {
    enable: bool(true, 'Write crash dump files on a fatal error.'),
    crashFileDirectory: str('./crash_dumps', 'Folder for crash dumps, relative to the working directory.'),
    crashFileCreateJson: bool(true, 'Write the JSON dump.'),
    crashFileCreateText: bool(true, 'Write the text dump.'),
  },
  '[v15] Crash dump files.',
);

const configVisualisation = section(
  {
    enable: bool(false, 'Serve the (masked) config view web page.'),
    host: str('localhost', 'Bind address of the config view.'),
    port: port(3100, 'TCP port of the config view.'),
    obfuscate: bool(
      true,
      'Mask host names, paths and other sensitive values in the view (secrets are always masked).',
    ),
  },
  'Config view web server.',
);

const heartbeat = section(
  {
    enable: bool(false, 'Call remoteURL periodically to signal that the agent is alive.'),
    remoteURL: str('', 'URL called with GET (required when enabled).'),
    frequency: str('every 1 hour', 'Schedule in later.js text syntax, e.g. "every 15 minutes".'),
  },
  'Heartbeat to a monitoring tool.',
);

const dockerHealthCheck = section(
  {
    enable: bool(false, 'Serve GET /health for Docker health checks.'),
    port: port(12398, 'Port of the health endpoint.'),
  },
  'Docker health check endpoint.',
);

const uptimeMonitor = section(
  {
    enable: bool(false, 'Log uptime and memory use periodically.'),
    frequency: str('every 15 minutes', 'Schedule in later.js text syntax.'),
    logLevel: z
      .preprocess(trimLower, z.enum(LOG_LEVELS))
      .default('verbose')
      .describe('Level of the uptime log lines (case-insensitive).'),
    storeInInfluxdb: section(
      {
        butlerSOSMemoryUsage: bool(
          true,
          'Write own memory use to InfluxDB (also needs influxdbConfig.enable).',
        ),
        instanceTag: str('DEV', 'Value of tag butler_sos_instance.'),
      },
      'Uptime data in InfluxDB.',
    ),
    storeNewRelic: openSection(
      {
        enable: bool(false, 'Post uptime metrics to New Relic (independent of newRelic.enable).'),
        destinationAccount: list(
          z.string(),
          'New Relic account names (thirdPartyToolsCredentials.newRelic[].accountName).',
        ),
        metric: section(
          {
            dynamic: section(
              {
                butlerMemoryUsage: enableOnly(true, 'Send the memory gauges.'),
                butlerUptime: enableOnly(true, 'Send the uptime gauge.'),
              },
              'Metric groups.',
            ),
          },
          'Uptime metrics.',
        ),
        attribute: section(
          {
            static: list(nameValue, 'Static attributes on uptime metrics.'),
            dynamic: section(
              { butlerVersion: enableOnly(true, 'Add attribute version.') },
              'Dynamic attributes.',
            ),
          },
          'Uptime metric attributes.',
        ),
      },
      'Uptime data in New Relic.',
    ),
  },
  'Uptime monitor.',
);

const errorTracking = section(
  {
    enable: bool(true, 'Count errors per type and server.'),
    logSummary: enableOnly(true, 'Log error count summaries.'),
    influxdb: section(
      {
        enable: bool(true, 'Write one point per error to InfluxDB (also needs influxdbConfig.enable).'),
        measurementName: str('butler_sos_errors', 'Measurement name.'),
      },
      'Error points in InfluxDB.',
    ),
  },
  '[v15] Error tracking.',
);

const newRelicAccount = z.strictObject({
  accountName: z.string().min(1).describe('Friendly name referenced by destinationAccount lists.'),
  insertApiKey: z.string().min(1).describe('Insert API key (secret), sent as header Api-Key.'),
  accountId: text.describe('Account id (used in the Event API URL).'),
});

const thirdPartyToolsCredentials = section(
  {
    newRelic: list(
      newRelicAccount,
      'New Relic accounts; replaced by the --new-relic-* command line options.',
    ),
  },
  'Credentials for third party tools.',
);

const qlikSenseEvents = section(
  {
    influxdb: section(
      {
        enable: bool(false, 'Store event counters in InfluxDB.'),
        writeFrequency: positive(20000, 'Counter flush interval (ms).'),
      },
      'Event counters in InfluxDB.',
    ),
    eventCount: section(
      {
        enable: bool(false, 'Count received user and log events.'),
        influxdb: section(
          {
            measurementName: str('event_count', 'Measurement name.'),
            tags: list(nameValue, 'Static tags on count points.'),
          },
          'Event count storage.',
        ),
      },
      'Event counts.',
    ),
    rejectedEventCount: section(
      {
        enable: bool(false, 'Count well-formed events rejected by filters.'),
        influxdb: section(
          { measurementName: str('rejected_event_count', 'Measurement name.') },
          'Rejected event count storage.',
        ),
      },
      'Rejected event counts.',
    ),
  },
  'Counters shared by user and log events.',
);

const userEvents = section(
  {
    enable: bool(false, 'Listen for user activity events (UDP).'),
    excludeUser: list(userRef, 'Users whose events are discarded.'),
    udpServerConfig: udpServerConfig(
      { portUserActivityEvents: port(9997, 'UDP port for user activity events.') },
      'user_events_queue',
      'user events',
    ),
    tags: list(nameValue, 'Static tags on user event points.'),
    sendToMQTT: section(
      {
        enable: bool(false, 'Publish user events to MQTT (also needs mqttConfig.enable).'),
        postTo: section(
          {
            everythingTopic: mqttTopic('qliksense/userevent', 'every user event'),
            sessionStartTopic: mqttTopic('qliksense/userevent/session/start', 'session start events'),
            sessionStopTopic: mqttTopic('qliksense/userevent/session/stop', 'session stop events'),
            connectionOpenTopic: mqttTopic('qliksense/userevent/connection/open', 'connection open events'),
            connectionCloseTopic: mqttTopic(
              'qliksense/userevent/connection/close',
              'connection close events',
            ),
          },
          'MQTT topics.',
        ),
        structured: structuredMqtt('user event'),
      },
      'User events to MQTT.',
    ),
    sendToInfluxdb: enableOnly(false, 'Store user events in InfluxDB (also needs influxdbConfig.enable).'),
    sendToNewRelic: section(
      {
        enable: bool(false, 'Send user events to New Relic (also needs newRelic.enable).'),
        destinationAccount: list(
          z.string(),
          'Account names; upstream also uses this list for engine health and proxy session metrics.',
        ),
        scramble: bool(true, 'Replace user directory and id with a digest before sending.'),
      },
      'User events to New Relic.',
    ),
  },
  'User activity events.',
);

const categoriseRule = z.strictObject({
  description: z.string().default('').describe('Free text.'),
  logLevel: z
    .array(z.preprocess(trimLower, z.enum(EVENT_LOG_LEVELS)))
    .min(1)
    .describe('Event levels the rule applies to (case-insensitive).'),
  action: z.preprocess(trimLower, z.enum(['categorise', 'drop'])).describe('categorise or drop.'),
  category: z.array(nameValue).min(1).describe('Tags added when the rule matches.'),
  filter: z
    .array(
      z.strictObject({
        type: z
          .preprocess(trimLower, z.enum(['sw', 'ew', 'so']))
          .describe('sw = starts with, ew = ends with, so = contains.'),
        value: z.string().describe('Text compared with the message (case-sensitive).'),
      }),
    )
    .min(1)
    .describe('Message filters; the first match ends the rule.'),
});

const appSpecificBlock = z.strictObject({
  include: list(appRef, 'Apps this block applies to.'),
  objectType: objectTypeFilter(),
  appObject: section(
    {
      allAppObjects: bool(true, 'Monitor every app object (except allAppObjectsExclude).'),
      allAppObjectsExclude: list(objectIdRef, 'Object ids left out when allAppObjects is true.'),
      someAppObjectsInclude: list(objectIdRef, 'Object ids monitored when allAppObjects is false.'),
    },
    'App object filter.',
  ),
  method: methodFilter(),
});

const DEFAULT_RULE_CATEGORY = [{ name: 'qs_log_category', value: 'unknown' }];

const logEvents = section(
  {
    udpServerConfig: udpServerConfig(
      { portLogEvents: port(9996, 'UDP port for log events.') },
      'log_events_queue',
      'log events',
    ),
    tags: list(nameValue, 'Static tags on log_event points.'),
    source: section(
      {
        engine: enableOnly(false, 'Accept engine log events.'),
        proxy: enableOnly(false, 'Accept proxy log events.'),
        repository: enableOnly(false, 'Accept repository log events.'),
        scheduler: enableOnly(false, 'Accept scheduler log events.'),
        qixPerf: enableOnly(false, 'Accept engine performance (qix-perf) events.'),
      },
      'Log event sources.',
    ),
    categorise: section(
      {
        enable: bool(false, 'Apply categorisation rules.'),
        rules: list(categoriseRule, 'Categorisation rules, in order.'),
        ruleDefault: section(
          {
            enable: bool(true, 'Apply the default categories when no rule matched.'),
            category: z
              .preprocess(
                (value) => (value === undefined ? DEFAULT_RULE_CATEGORY : (value ?? [])),
                z.array(nameValue),
              )
              .describe('Default categories (absent: qs_log_category = unknown; empty: none).'),
          },
          'Default categorisation.',
        ),
      },
      'Log event categorisation.',
    ),
    enginePerformanceMonitor: section(
      {
        enable: bool(false, 'Process engine performance events.'),
        appNameLookup: enableOnly(false, 'Look app names up from the app name table.'),
        trackRejectedEvents: section(
          {
            enable: bool(false, 'Count filtered-out performance events as rejected.'),
            tags: list(nameValue, 'Static tags on rejected-count points.'),
          },
          'Rejected performance events.',
        ),
        monitorFilter: section(
          {
            allApps: section(
              {
                enable: bool(false, 'Monitor all apps except appExclude.'),
                appExclude: list(appRef, 'Apps left out.'),
                objectType: objectTypeFilter(),
                method: methodFilter(),
              },
              'All-apps filter.',
            ),
            appSpecific: section(
              {
                enable: bool(false, 'Monitor only the listed apps.'),
                app: list(appSpecificBlock, 'App filter blocks.'),
              },
              'App-specific filter.',
            ),
          },
          'Which performance events are accepted.',
        ),
      },
      'Engine performance monitor.',
    ),
    sendToMQTT: section(
      {
        enable: bool(false, 'Publish log events to MQTT (also needs mqttConfig.enable).'),
        baseTopic: str('qliksense/logevent', 'Base topic.'),
        postTo: section(
          {
            baseTopic: bool(true, 'Publish on the base topic.'),
            subsystemTopics: bool(true, 'Also publish on per-subsystem topics.'),
          },
          'Where to publish.',
        ),
        structured: structuredMqtt('log event'),
      },
      'Log events to MQTT.',
    ),
    sendToInfluxdb: enableOnly(false, 'Store log events in InfluxDB (also needs influxdbConfig.enable).'),
    sendToNewRelic: section(
      {
        enable: bool(false, 'Send log events to New Relic (also needs newRelic.enable).'),
        destinationAccount: list(z.string(), 'Account names.'),
        source: section(
          {
            engine: newRelicSource('engine'),
            proxy: newRelicSource('proxy'),
            repository: newRelicSource('repository'),
            scheduler: newRelicSource('scheduler'),
          },
          'Per-service switches.',
        ),
      },
      'Log events to New Relic.',
    ),
  },
  'Log events from the Sense log appenders (UDP).',
);

const cert = section(
  {
    clientCert: str('', 'Path of the Sense client certificate (PEM).'),
    clientCertKey: str('', 'Path of the client certificate private key (PEM).'),
    clientCertCA: str('', 'Path of the Sense root CA certificate (PEM).'),
    clientCertPassphrase: z
      .preprocess((value) => value ?? '', z.string())
      .describe('Private key passphrase (secret); empty when the key is not encrypted.'),
  },
  'Client certificates for Sense (export them from the QMC).',
);

const mqttConfig = section(
  {
    enable: bool(false, 'Connect to an MQTT broker.'),
    brokerHost: str('', 'Broker host (required when enabled).'),
    brokerPort: port(1883, 'Broker port.'),
    baseTopic: str('butler-sos/', 'Base topic for health and session messages; should end with /.'),
  },
  'MQTT broker.',
);

const engineMetrics = ['memory', 'cpu', 'calls', 'selections', 'sessions', 'users', 'saturated'] as const;
const appMetrics = ['docCount', 'activeDocs', 'loadedDocs', 'inMemoryDocs'] as const;

const newRelic = section(
  {
    enable: bool(false, 'Send Sense metrics and events to New Relic.'),
    event: section(
      {
        url: str('https://insights-collector.eu01.nr-data.net', 'Event API base URL, without path.'),
        header: list(nameValue, 'Extra HTTP headers (values are secret).'),
        attribute: newRelicAttributes('butlerSosVersion', 'events'),
      },
      'New Relic Event API.',
    ),
    metric: section(
      {
        destinationAccount: list(
          z.string(),
          'Account names (unused upstream, see userEvents.sendToNewRelic).',
        ),
        url: str(
          'https://insights-collector.eu01.nr-data.net/metric/v1',
          'Metric API URL (also used for uptime).',
        ),
        header: list(nameValue, 'Extra HTTP headers (values are secret).'),
        dynamic: section(
          {
            engine: section(
              Object.fromEntries(
                engineMetrics.map((k) => [k, enableOnly(true, `Send engine ${k} metrics.`)]),
              ) as Record<(typeof engineMetrics)[number], ReturnType<typeof enableOnly>>,
              'Engine metric groups.',
            ),
            apps: section(
              Object.fromEntries(
                appMetrics.map((k) => [k, enableOnly(true, `Send app ${k} metrics.`)]),
              ) as Record<(typeof appMetrics)[number], ReturnType<typeof enableOnly>>,
              'App metric groups.',
            ),
            cache: section({ cache: enableOnly(true, 'Send cache metrics.') }, 'Cache metrics.'),
            proxy: section({ sessions: enableOnly(true, 'Send proxy session metrics.') }, 'Proxy metrics.'),
          },
          'Metric groups.',
        ),
        attribute: newRelicAttributes('butlerSosVersion', 'metrics'),
      },
      'New Relic Metric API.',
    ),
  },
  'New Relic.',
);

const prometheus = section(
  {
    enable: bool(false, 'Expose /metrics for Prometheus.'),
    host: str('0.0.0.0', 'Bind address.'),
    port: port(9842, 'Port.'),
    nodeMetricsHost: str('0.0.0.0', '[main] Bind address of the Node.js process metrics endpoint.'),
    nodeMetricsPort: port(9001, '[main] Port of the Node.js process metrics endpoint.'),
  },
  'Prometheus endpoint.',
);

const influxdbConfig = section(
  {
    enable: bool(false, 'Master switch for every InfluxDB write.'),
    host: str('', 'InfluxDB host (required when enabled).'),
    port: port(8086, 'InfluxDB port.'),
    version: z
      .union([z.literal(1), z.literal(2), z.literal(3)], { error: 'expected 1, 2 or 3' })
      .default(1)
      .describe('InfluxDB major version: 1, 2 or 3 (3 is a v15 key).'),
    maxBatchSize: z
      .number()
      .int()
      .min(1)
      .max(10000)
      .default(1000)
      .describe('[v15] Points per write (1-10000).'),
    v1Config: section(
      {
        auth: section(
          {
            enable: bool(false, 'Use credentials.'),
            username: str('', 'User name.'),
            password: str('', 'Password (secret).'),
          },
          'Authentication.',
        ),
        dbName: str('SenseOps', 'Database, created if missing.'),
        retentionPolicy: section(
          {
            name: str('10d', 'Name of the default retention policy created with the database.'),
            duration: str('10d', 'Its duration.'),
          },
          'Default retention policy.',
        ),
      },
      'InfluxDB 1.x settings.',
    ),
    v2Config: section(
      {
        org: str('', 'Organisation (required for version 2).'),
        bucket: str('', 'Bucket, created if missing (required for version 2).'),
        description: str('Butler SOS metrics', 'Bucket description.'),
        token: str('', 'API token (secret, required for version 2).'),
        retentionDuration: str('10d', 'Bucket retention.'),
      },
      'InfluxDB 2.x settings.',
    ),
    v3Config: section(
      {
        database: str('', 'Database (required for version 3).'),
        description: str('Butler SOS metrics', 'Database description.'),
        token: str('', 'API token (secret).'),
        retentionDuration: str('10d', 'Retention.'),
        writeTimeout: positive(10000, 'Write timeout (ms).'),
        queryTimeout: positive(60000, 'Query timeout (ms).'),
      },
      '[v15] InfluxDB 3.x settings.',
    ),
    includeFields: section(
      {
        activeDocs: bool(false, 'Also store the active app list.'),
        loadedDocs: bool(false, 'Also store the loaded app list.'),
        inMemoryDocs: bool(false, 'Also store the in-memory app list.'),
      },
      'Optional (large) fields.',
    ),
  },
  'InfluxDB.',
);

const appNames = section(
  {
    enableAppNameExtract: bool(false, 'Fetch app ids and names from the repository service periodically.'),
    extractInterval: positive(60000, 'Fetch interval (ms).'),
    hostIP: str('', 'Repository (QRS) host; port 4242 (required when enabled).'),
  },
  'App name extraction.',
);

const userSessions = section(
  {
    enableSessionExtract: bool(false, 'Poll proxy sessions per virtual proxy.'),
    pollingInterval: positive(30000, 'Poll interval (ms).'),
    excludeUser: list(userRef, 'Users left out of per-session detail points.'),
  },
  'Proxy sessions.',
);

const logdb = section(
  {
    enable: bool(
      false,
      'Poll the Sense log database (QLogs) for warnings and errors (upstream up to v10; removed in v11).',
    ),
    pollingInterval: positive(60000, 'Query interval (ms, at least 1000).'),
    queryPeriod: str(
      '5 minutes',
      'How far back each query looks: a number and a unit (second, minute, hour, day), e.g. "5 minutes".',
    ),
    host: str('', 'Log database (PostgreSQL) host, usually the central node (required when enabled).'),
    port: port(4432, 'Log database port (Sense bundles PostgreSQL on 4432).'),
    qlogsReaderUser: str('qlogs_reader', 'Read-only database user created by Sense.'),
    qlogsReaderPwd: z
      .preprocess((value) => value ?? '', text)
      .describe('Password of qlogsReaderUser (secret).'),
    extractErrors: bool(true, 'Read error and fatal rows.'),
    extractWarnings: bool(true, 'Read warning rows.'),
    extractInfo: bool(false, 'Read info rows.'),
  },
  'Sense log database poller (upstream up to v10; rows also need a server with a matching logDbHost to reach InfluxDB).',
);

const tagValue = z.union([z.string(), z.number(), z.boolean()], { error: 'expected a string' });

const server = z.strictObject({
  host: z.string().min(1).describe('Engine host:port (healthcheck).'),
  serverName: z.string().min(1).describe('Tag server_name.'),
  serverDescription: str('', 'Tag server_description.'),
  userSessions: section(
    {
      enable: bool(false, 'Poll proxy sessions on this server.'),
      host: str('', 'Proxy host:port (required when enabled).'),
      virtualProxies: list(
        z.strictObject({
          virtualProxy: z.string().describe('Virtual proxy prefix with leading slash; / = default.'),
        }),
        'Virtual proxies.',
      ),
    },
    'Proxy sessions on this server.',
  ),
  serverTags: z
    .preprocess((value) => value ?? {}, z.record(z.string(), tagValue))
    .describe('Values of the tags named in serverTagsDefinition.'),
  headers: z
    .preprocess((value) => value ?? {}, z.record(z.string(), text))
    .describe('Extra HTTP headers on healthcheck requests (values are secret).'),
  logDbHost: z
    .string()
    .optional()
    .describe('Host name as in the log database column process_host (logdb; case-insensitive).'),
});

const serversToMonitor = section(
  {
    pollingInterval: positive(30000, 'Engine healthcheck poll interval (ms).'),
    rejectUnauthorized: bool(true, 'Verify the Sense servers TLS certificates.'),
    serverTagsDefinition: list(z.string(), 'Names of the extra per-server tags.'),
    servers: list(server, 'Sense servers to poll.'),
  },
  'Sense servers.',
);

// ---- Keys of this implementation (not in upstream Butler SOS; all optional) ----

const webUi = section(
  {
    enable: bool(false, 'Serve the live web UI (overview, log events, delivery status, config view).'),
    host: str('127.0.0.1', 'Bind address of the web UI; keep it on localhost unless a proxy guards it.'),
    port: port(3100, 'TCP port of the web UI.'),
  },
  'Live web UI (this implementation).',
);

const localStore = section(
  {
    enable: bool(
      false,
      'Keep recent history in an embedded SQLite database (a destination; feeds the web UI).',
    ),
    file: str('data/butler-sos.sqlite', 'Database file, relative to the working directory unless absolute.'),
    retentionHours: positive(24, 'Hours of history kept.'),
    maxSizeMB: positive(200, 'Largest database size; the oldest rows are pruned beyond it.'),
  },
  'Local store (this implementation).',
);

const delivery = section(
  {
    spoolEnable: bool(
      true,
      'Spool to disk what a destination cannot take now, and replay it when it recovers.',
    ),
    spoolDirectory: str(
      'spool',
      'Folder of the disk spools, relative to the working directory unless absolute.',
    ),
    spoolMaxMB: positive(1024, 'Largest disk use of all spools of one destination queue.'),
    memoryQueueMax: count(100000, 'Most records held in memory per destination queue before spooling.'),
    flushIntervalMs: positive(1000, 'Longest time a record waits for its batch to fill.'),
    shutdownDeadlineMs: positive(
      10000,
      'On SIGTERM/SIGINT: time allowed to flush before the rest is spooled.',
    ),
  },
  'Delivery to push destinations (this implementation).',
);

const telemetry = section(
  {
    host: str(
      'https://eu.i.posthog.com',
      'PostHog host receiving anonymous telemetry (env BUTLER_SOS_TELEMETRY_HOST).',
    ),
    projectKey: str('', 'PostHog project key; empty skips telemetry (env BUTLER_SOS_TELEMETRY_KEY).'),
  },
  'Anonymous telemetry transport (this implementation; anonTelemetry switches it).',
);

export const settingsSchema = z
  .object({
    logLevel: levelEnum.default('info').describe('Log level: error, warn, info, verbose, debug or silly.'),
    fileLogging: bool(true, 'Also write daily log files.'),
    logDirectory: str('log', 'Folder for log files.'),
    anonTelemetry: bool(true, 'Send anonymous usage telemetry (needs systemInfo.enable).'),
    systemInfo,
    crashFile,
    configVisualisation,
    heartbeat,
    dockerHealthCheck,
    uptimeMonitor,
    errorTracking,
    thirdPartyToolsCredentials,
    qlikSenseEvents,
    userEvents,
    logEvents,
    cert,
    mqttConfig,
    newRelic,
    prometheus,
    influxdbConfig,
    appNames,
    userSessions,
    serversToMonitor,
    logdb,
    webUi,
    localStore,
    delivery,
    telemetry,
    auditEvents: z.unknown().optional().describe('[v15] Audit events (accepted, not used).'),
  })
  .describe('Butler SOS settings. Unknown keys here are ignored (as upstream).');

export const configSchema = z.strictObject({ 'Butler-SOS': settingsSchema });

/** The whole config document, defaults applied, as the rest of the program sees it. */
export type ButlerSosConfig = z.output<typeof configSchema>;
export type ButlerSosSettings = ButlerSosConfig['Butler-SOS'];
export type SystemInfoConfig = ButlerSosSettings['systemInfo'];
export type CrashFileConfig = ButlerSosSettings['crashFile'];
export type ConfigVisualisationConfig = ButlerSosSettings['configVisualisation'];
export type HeartbeatConfig = ButlerSosSettings['heartbeat'];
export type DockerHealthCheckConfig = ButlerSosSettings['dockerHealthCheck'];
export type UptimeMonitorConfig = ButlerSosSettings['uptimeMonitor'];
export type ErrorTrackingConfig = ButlerSosSettings['errorTracking'];
export type NewRelicAccount = ButlerSosSettings['thirdPartyToolsCredentials']['newRelic'][number];
export type QlikSenseEventsConfig = ButlerSosSettings['qlikSenseEvents'];
export type UserEventsConfig = ButlerSosSettings['userEvents'];
export type LogEventsConfig = ButlerSosSettings['logEvents'];
export type UdpServerConfig = UserEventsConfig['udpServerConfig'] | LogEventsConfig['udpServerConfig'];
export type CategoriseConfig = LogEventsConfig['categorise'];
export type CategoriseRule = CategoriseConfig['rules'][number];
export type EnginePerformanceMonitorConfig = LogEventsConfig['enginePerformanceMonitor'];
export type CertConfig = ButlerSosSettings['cert'];
export type MqttConfig = ButlerSosSettings['mqttConfig'];
export type NewRelicConfig = ButlerSosSettings['newRelic'];
export type PrometheusConfig = ButlerSosSettings['prometheus'];
export type InfluxdbConfig = ButlerSosSettings['influxdbConfig'];
export type AppNamesConfig = ButlerSosSettings['appNames'];
export type UserSessionsConfig = ButlerSosSettings['userSessions'];
export type ServersToMonitorConfig = ButlerSosSettings['serversToMonitor'];
export type LogDbConfig = ButlerSosSettings['logdb'];
export type WebUiConfig = ButlerSosSettings['webUi'];
export type LocalStoreConfig = ButlerSosSettings['localStore'];
export type DeliveryConfig = ButlerSosSettings['delivery'];
export type ServerConfig = ServersToMonitorConfig['servers'][number];
export type NameValue = z.output<typeof nameValue>;

/**
 * Sections whose full schema applies only when their `enable` is true, as upstream; when off,
 * problems inside them are reported as warnings and the default is used instead
 * (docs/reference/runtime.md#what-is-checked).
 */
export const CONDITIONAL_SECTIONS = [
  'mqttConfig',
  'newRelic',
  'userEvents',
  'prometheus',
  'influxdbConfig',
  'configVisualisation',
  'heartbeat',
  'dockerHealthCheck',
  'crashFile',
  'errorTracking',
  'logdb',
] as const;
