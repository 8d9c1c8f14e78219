/**
 * What the reference says the agent writes for polled Sense data, transcribed by hand from
 * docs/reference/influxdb.md, docs/reference/prometheus.md, docs/reference/mqtt.md and
 * docs/reference/new-relic.md (the section is named on each table). These are the test's
 * expectations: they are deliberately NOT imported from src/mapping, so a mapping bug makes the
 * integration tests fail instead of agreeing with itself.
 */

/** Field type notation of docs/reference/influxdb.md#field-types-per-version, per InfluxDB version. */
export type RefType = 'int' | 'uint' | 'float' | 'string' | 'bool';
export type PerVersion = readonly [v1: RefType | null, v2: RefType | null, v3: RefType | null];

/**
 * Server tags, "ST" (docs/reference/destinations.md#server-tags): host without port, server_name,
 * server_description, serverTags keys.
 */
export const SERVER_TAGS = ['host', 'server_name', 'server_description', 'server_group'] as const;

/** Extra tags of every proxy-session measurement (docs/reference/influxdb.md#proxy-sessions). */
export const SESSION_TAGS = ['user_session_virtual_proxy', 'user_session_host'] as const;

/**
 * Engine health measurements and field types v1/v2/v3 (docs/reference/influxdb.md#engine-health,
 * docs/reference/influxdb.md#differences-between-versions).
 */
export const HEALTH_FIELDS: Record<string, Record<string, PerVersion>> = {
  sense_server: {
    version: ['string', 'string', 'string'],
    started: ['string', 'string', 'string'],
    uptime: ['string', 'string', 'string'],
  },
  mem: {
    comitted: ['int', 'float', 'float'],
    allocated: ['int', 'float', 'float'],
    free: ['int', 'float', 'float'],
  },
  apps: {
    active_docs_count: ['int', 'int', 'int'],
    loaded_docs_count: ['int', 'int', 'int'],
    in_memory_docs_count: ['int', 'int', 'int'],
    active_docs: ['string', 'string', 'string'],
    active_docs_names: ['string', 'string', 'string'],
    active_session_docs_names: ['string', 'string', 'string'],
    loaded_docs: ['string', 'string', 'string'],
    loaded_docs_names: ['string', 'string', 'string'],
    loaded_session_docs_names: ['string', 'string', 'string'],
    in_memory_docs: ['string', 'string', 'string'],
    in_memory_docs_names: ['string', 'string', 'string'],
    in_memory_session_docs_names: ['string', 'string', 'string'],
    calls: ['int', 'uint', 'int'],
    selections: ['int', 'uint', 'int'],
  },
  cpu: { total: ['int', 'float', 'int'] },
  session: { active: ['int', 'uint', 'int'], total: ['int', 'uint', 'int'] },
  users: { active: ['int', 'uint', 'int'], total: ['int', 'uint', 'int'] },
  cache: {
    hits: ['int', 'uint', 'int'],
    lookups: ['int', 'uint', 'int'],
    added: ['int', 'int', 'int'],
    replaced: ['int', 'int', 'int'],
    bytes_added: ['int', 'int', 'int'],
  },
  saturated: { saturated: ['bool', 'bool', 'bool'] },
};

/**
 * Proxy-session measurements and field types v1/v2/v3; null = not written
 * (docs/reference/influxdb.md#proxy-sessions).
 */
export const SESSION_FIELDS: Record<string, Record<string, PerVersion>> = {
  user_session_summary: {
    session_count: ['int', 'uint', 'int'],
    session_user_id_list: ['string', 'string', 'string'],
  },
  user_session_list: {
    session_count: [null, 'uint', 'int'],
    session_user_id_list: ['string', 'string', 'string'],
  },
  user_session_details: {
    session_id: ['string', 'string', 'string'],
    user_directory: ['string', 'string', 'string'],
    user_id: ['string', 'string', 'string'],
  },
};

/**
 * Per-session tags of `user_session_details` (docs/reference/influxdb.md#proxy-sessions), on top of
 * ST and SESSION_TAGS.
 */
export const SESSION_DETAIL_TAGS = ['user_session_id', 'user_session_user_directory', 'user_session_user_id'];

/** `butler_sos_errors` (docs/reference/influxdb.md#error-events): tags and field types v1/v2/v3. */
export const ERROR_TAGS_ALWAYS = ['error_type', 'server_name'] as const;
/** Tags that may appear (when known / for proxy polls / when given). */
export const ERROR_TAGS_ALLOWED = [
  'error_type',
  'server_name',
  'host',
  'virtual_proxy',
  'destination_host',
  'module',
] as const;
export const ERROR_FIELDS: Record<string, PerVersion> = {
  error_count: ['float', 'int', 'int'],
  error_category: ['string', 'string', 'string'],
  error_code: ['string', 'string', 'string'],
  http_status: ['float', 'int', 'int'],
  request_url: ['string', 'string', 'string'],
  request_timeout_ms: ['float', 'int', 'int'],
  remote_address: ['string', 'string', 'string'],
  remote_port: ['float', 'int', 'int'],
  syscall: ['string', 'string', 'string'],
};
/** `error_category` values in rule order (docs/reference/influxdb.md#error-events). */
export const ERROR_CATEGORIES = [
  'timeout',
  'connection_refused',
  'host_not_found',
  'connection_reset',
  'auth_error',
  'not_found',
  'rate_limited',
  'http_5xx',
  'http_4xx',
  'certificate_error',
  'mqtt_error',
  'new_relic_error',
  'unknown',
] as const;

/**
 * Prometheus metrics in registration order, all gauges, with their verbatim HELP
 * (docs/reference/prometheus.md#sense-metrics). The last one is the proxy-session gauge; the others
 * are set from the healthcheck.
 */
export const PROM_METRICS: readonly (readonly [name: string, help: string])[] = [
  ['butlersos_apps_calls', 'Total number of requests made to the Qlik Sense engine.'],
  ['butlersos_apps_selections', 'Total number of selections made to the Qlik Sense engine.'],
  [
    'butlersos_apps_activedocs_total',
    'Number of active apps. An app is active when a user is currently performing some action on it.',
  ],
  [
    'butlersos_apps_inmemorydocs_total',
    'Number of apps apps currently loaded into memory, even if they do not have any open sessions or connections to it. Apps disappear from this metric when the engine has purged them from memory.',
  ],
  [
    'butlersos_apps_loadeddocs_total',
    'Number of apps apps currently loaded into memory, that also have open sessions or connections.',
  ],
  ['butlersos_cache_added', 'Number of cache objects added.'],
  ['butlersos_cache_bytes_added', 'Size in bytes of cache objects added.'],
  ['butlersos_cache_hits', 'Number of cache hits.'],
  ['butlersos_cache_lookups', 'Number of cache lookups.'],
  ['butlersos_cache_replaced', 'Number of cache replaced cache objects.'],
  [
    'butlersos_cache_saturated',
    'When the value is 1, the engine is running with high resource usage; otherwise the value is 0.',
  ],
  [
    'butlersos_cpu_total',
    'Percentage of the CPU used by the engine, averaged over a time period of 30 seconds.',
  ],
  ['butlersos_mem_committed', 'The total amount of committed memory for the engine process in MB.'],
  [
    'butlersos_mem_allocated',
    'The total amount of allocated memory (committed + reserved) from the operating system in MB.',
  ],
  [
    'butlersos_mem_free',
    'The total amount of free memory (minimum of free virtual and physical memory) in MB.',
  ],
  [
    'butlersos_session_active',
    'Number of active engine sessions. A session is active when a user is currently performing some action on an app, for example, making selections or creating content.',
  ],
  ['butlersos_session_total', 'Total number of engine sessions.'],
  [
    'butlersos_users_active',
    'Number of distinct active users. An active user is one who is currently performing an action on an app.',
  ],
  ['butlersos_users_total', 'Total number of distinct users within the current engine sessions.'],
  ['butlersos_engine_metadata', 'Metadata about the Qlik Sense engine.'],
  ['butlersos_user_session_total', 'Number of sessions (as reported by the proxy service).'],
];
export const PROM_HEALTH_METRICS = PROM_METRICS.slice(0, -1).map(([name]) => name);
export const PROM_SESSION_METRIC = 'butlersos_user_session_total';
/** Extra labels (docs/reference/prometheus.md#labels): metadata carries the engine's start and version. */
export const PROM_METADATA_LABELS = ['engine_started', 'engine_version'] as const;

/**
 * MQTT health topics under `<baseTopic><host without port>` (docs/reference/mqtt.md#engine-health),
 * table order.
 */
export const MQTT_HEALTH_TOPICS = [
  'version',
  'started',
  'mem/comitted',
  'mem/allocated',
  'mem/free',
  'cpu/total',
  'session/active',
  'session/total',
  'apps/active_docs',
  'apps/loaded_docs',
  'apps/in_memory_docs',
  'apps/calls',
  'apps/selections',
  'users/active',
  'users/total',
  'cache/hits',
  'cache/lookups',
  'cache/added',
  'cache/replaced',
  'cache/bytes_added',
  'cache/hit_ratio',
  'saturated',
] as const;
/** Health topics whose payload is `String(number)` (docs/reference/mqtt.md#engine-health). */
export const MQTT_NUMERIC_TOPICS = [
  'mem/comitted',
  'mem/allocated',
  'mem/free',
  'cpu/total',
  'session/active',
  'session/total',
  'apps/calls',
  'apps/selections',
  'users/active',
  'users/total',
  'cache/hits',
  'cache/lookups',
  'cache/added',
  'cache/replaced',
  'cache/bytes_added',
  'cache/hit_ratio',
] as const;

/**
 * New Relic engine-health metric names with every switch on, in table order
 * (docs/reference/new-relic.md#engine-health-metrics).
 */
export const NR_HEALTH_METRICS = [
  'qs_memCommited',
  'qs_memAllocated',
  'qs_memFree',
  'qs_cpuTotal',
  'qs_engineCalls',
  'qs_engineSelections',
  'qs_engineSessionsActive',
  'qs_engineSessionsTotal',
  'qs_engineUsersActive',
  'qs_engineUsersTotal',
  'qs_engineSaturated',
  'qs_docsActiveCount',
  'qs_docsLoadedCount',
  'qs_docsInMemoryCount',
  'qs_cacheHits',
  'qs_cacheLookups',
  'qs_cacheaAdded',
  'qs_cacheReplaced',
  'qs_cacheBytesAdded',
] as const;
export const NR_SESSION_METRIC = 'qs_proxySessions';

/** InfluxDB 1.x `SHOW FIELD KEYS` type names for the reference notation. */
export const INFLUX1_TYPE: Record<RefType, string> = {
  int: 'integer',
  uint: 'unsigned',
  float: 'float',
  string: 'string',
  bool: 'boolean',
};
/** test/support/fake-influxdb.ts parsed type names for the reference notation. */
export const FAKE_TYPE: Record<RefType, string> = {
  int: 'integer',
  uint: 'uint',
  float: 'float',
  string: 'string',
  bool: 'boolean',
};

/** measurement → field → type for one InfluxDB version (index 0, 1, 2 = v1, v2, v3). */
export function fieldTypesFor(
  table: Record<string, Record<string, PerVersion>>,
  version: 1 | 2 | 3,
): Record<string, Record<string, RefType>> {
  const out: Record<string, Record<string, RefType>> = {};
  for (const [measurement, fields] of Object.entries(table)) {
    const typed: Record<string, RefType> = {};
    for (const [field, types] of Object.entries(fields)) {
      const type = types[version - 1];
      if (type) typed[field] = type;
    }
    out[measurement] = typed;
  }
  return out;
}
