/**
 * Engine health records → InfluxDB points, Prometheus samples, MQTT messages and New Relic
 * metrics, with upstream's names (docs/reference/influxdb.md#engine-health,
 * docs/reference/prometheus.md#sense-metrics, docs/reference/mqtt.md#engine-health,
 * docs/reference/new-relic.md#engine-health-metrics).
 *
 * InfluxDB field types differ per version (docs/reference/influxdb.md#field-types-per-version,
 * docs/reference/influxdb.md#differences-between-versions) and existing databases lock them,
 * so each field's type per version is one row of data in `HEALTH_FIELDS`; there is one
 * mapping, not three. Upstream's spellings are kept on purpose (`comitted`,
 * `qs_memCommited`, `qs_cacheaAdded`): dashboards and consumers depend on them.
 */
import type { DocList, EngineHealthRecord } from '../records/engine-health.ts';
import type {
  InfluxField,
  InfluxPoint,
  InfluxVersion,
  MqttMessage,
  NewRelicMetric,
  PromSample,
} from './shapes.ts';

// ---------------------------------------------------------------------------------------
// Per-version field typing, shared by the poll mappings (proxy sessions, failed polls).

/**
 * How one field is written for one InfluxDB version:
 * `int` floored integer; `uint` floored, negatives clamped to 0, unsigned (v2 only);
 * `intNonNeg` floored, negatives clamped to 0, signed (v3's replacement for uint; also
 * v3 `cpu.total`); `float`; `string`; `bool`; `absent` = not written for that version.
 */
export type FieldKind = 'int' | 'uint' | 'intNonNeg' | 'float' | 'string' | 'bool' | 'absent';
/** [v1, v2, v3] */
export type PerVersion = readonly [FieldKind, FieldKind, FieldKind];

/** One field value encoded per its kind; undefined (left out) when absent or not a finite number. */
export function influxField(
  kind: FieldKind,
  value: number | string | boolean | undefined,
): InfluxField | undefined {
  if (value === undefined || kind === 'absent') return undefined;
  switch (kind) {
    case 'string':
      return { type: 'string', value: String(value) };
    case 'bool':
      return typeof value === 'boolean' ? { type: 'boolean', value } : undefined;
    default: {
      // A NaN lost the whole point upstream; here only the field is left out
      // (docs/reference/destinations.md#fixed).
      if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
      if (kind === 'float') return { type: 'float', value };
      const floored = Math.floor(value);
      if (kind === 'int') return { type: 'integer', value: floored };
      // Upstream v2 threw on a negative uint and lost the poll; clamp instead
      // (docs/reference/destinations.md#fixed).
      return { type: kind === 'uint' ? 'uint' : 'integer', value: Math.max(0, floored) };
    }
  }
}

/** Builds the fields of one point from a spec (field → kinds per version) and the values. */
export function influxFields(
  spec: Readonly<Record<string, PerVersion>>,
  values: Readonly<Record<string, number | string | boolean | undefined>>,
  version: InfluxVersion,
): Record<string, InfluxField> {
  const fields: Record<string, InfluxField> = {};
  for (const name in spec) {
    const kinds = spec[name] as PerVersion;
    const field = influxField(kinds[version - 1] as FieldKind, values[name]);
    if (field) fields[name] = field;
  }
  return fields;
}

/**
 * Tags as the upstream client for the version wrote them: v1 keeps insertion order,
 * the v2/v3 clients sort by key (docs/reference/influxdb.md#tags). Order never changes the stored series,
 * but keeping it makes the lines identical to upstream's.
 */
export function influxTags(
  tags: Readonly<Record<string, string | undefined>>,
  version: InfluxVersion,
): Record<string, string | undefined> {
  if (version === 1) return { ...tags };
  const sorted: Record<string, string | undefined> = {};
  for (const key of Object.keys(tags).sort()) sorted[key] = tags[key];
  return sorted;
}

// ---------------------------------------------------------------------------------------
// InfluxDB

const INT_ALL: PerVersion = ['int', 'int', 'int'];
const STRING_ALL: PerVersion = ['string', 'string', 'string'];
/** Engine counters: v1 int, v2 uint, v3 int (clamped). */
const COUNTER: PerVersion = ['int', 'uint', 'intNonNeg'];
const MEMORY: PerVersion = ['int', 'float', 'float'];

/**
 * The engine health fields (docs/reference/influxdb.md#engine-health), field by field, in the
 * order the upstream clients wrote them (sorted).
 */
export const HEALTH_FIELDS = {
  sense_server: { started: STRING_ALL, uptime: STRING_ALL, version: STRING_ALL },
  mem: { allocated: MEMORY, comitted: MEMORY, free: MEMORY },
  apps: {
    active_docs: STRING_ALL,
    active_docs_count: INT_ALL,
    active_docs_names: STRING_ALL,
    active_session_docs_names: STRING_ALL,
    calls: COUNTER,
    in_memory_docs: STRING_ALL,
    in_memory_docs_count: INT_ALL,
    in_memory_docs_names: STRING_ALL,
    in_memory_session_docs_names: STRING_ALL,
    loaded_docs: STRING_ALL,
    loaded_docs_count: INT_ALL,
    loaded_docs_names: STRING_ALL,
    loaded_session_docs_names: STRING_ALL,
    selections: COUNTER,
  },
  cpu: { total: ['int', 'float', 'intNonNeg'] },
  session: { active: COUNTER, total: COUNTER },
  users: { active: COUNTER, total: COUNTER },
  cache: { added: INT_ALL, bytes_added: INT_ALL, hits: COUNTER, lookups: COUNTER, replaced: INT_ALL },
  saturated: { saturated: ['bool', 'bool', 'bool'] },
} as const satisfies Record<string, Record<string, PerVersion>>;

/** The parts of the config the InfluxDB health mapping reads (upstream key names). */
export interface EngineHealthInfluxConfig {
  influxdbConfig: {
    enable: boolean;
    includeFields: { activeDocs: boolean; loadedDocs: boolean; inMemoryDocs: boolean };
  };
  appNames: { enableAppNameExtract: boolean };
}

/** v1 wraps each name in double quotes; v2/v3 join them bare (docs/reference/influxdb.md#app-name-lists). */
function nameList(items: readonly string[], version: InfluxVersion): string {
  return version === 1 ? items.map((n) => `"${n}"`).join(',') : items.join(',');
}

function docFields(
  prefix: 'active' | 'loaded' | 'in_memory',
  docs: DocList,
  include: boolean,
  withNames: boolean,
  version: InfluxVersion,
) {
  const names = include && withNames;
  return {
    [`${prefix}_docs`]: include ? docs.ids.join(',') : '',
    [`${prefix}_docs_count`]: docs.ids.length,
    [`${prefix}_docs_names`]: names ? nameList(docs.names, version) : '',
    [`${prefix}_session_docs_names`]: names ? nameList(docs.sessionApps, version) : '',
  };
}

/** The eight health points of one poll (sense_server, mem, apps, cpu, session, users, cache, saturated). */
export function engineHealthToInflux(
  record: EngineHealthRecord,
  version: InfluxVersion,
  cfg: EngineHealthInfluxConfig,
): InfluxPoint[] {
  if (!cfg.influxdbConfig.enable) return [];
  const include = cfg.influxdbConfig.includeFields;
  const withNames = cfg.appNames.enableAppNameExtract;
  const tags = influxTags(record.server.tags, version);
  const { apps } = record;
  const values: { [M in keyof typeof HEALTH_FIELDS]: Record<string, number | string | boolean | undefined> } =
    {
      sense_server: { version: record.version, started: record.started, uptime: record.uptime },
      mem: { comitted: record.mem.committed, allocated: record.mem.allocated, free: record.mem.free },
      apps: {
        ...docFields('active', apps.activeDocs, include.activeDocs, withNames, version),
        ...docFields('loaded', apps.loadedDocs, include.loadedDocs, withNames, version),
        ...docFields('in_memory', apps.inMemoryDocs, include.inMemoryDocs, withNames, version),
        calls: apps.calls,
        selections: apps.selections,
      },
      cpu: { total: record.cpu.total },
      session: { active: record.session.active, total: record.session.total },
      users: { active: record.users.active, total: record.users.total },
      cache: {
        hits: record.cache.hits,
        lookups: record.cache.lookups,
        added: record.cache.added,
        replaced: record.cache.replaced,
        bytes_added: record.cache.bytesAdded,
      },
      saturated: { saturated: record.saturated },
    };
  const points: InfluxPoint[] = [];
  for (const measurement of Object.keys(HEALTH_FIELDS) as (keyof typeof HEALTH_FIELDS)[]) {
    const fields = influxFields(HEALTH_FIELDS[measurement], values[measurement], version);
    // A point needs at least one field; a body lacking a whole section yields no point for it.
    if (Object.keys(fields).length === 0) continue;
    points.push({ measurement, tags, fields, timeMs: record.timeMs });
  }
  return points;
}

// ---------------------------------------------------------------------------------------
// Prometheus

/**
 * Metric names and HELP texts (verbatim, typos included) in upstream registration order
 * (docs/reference/prometheus.md#sense-metrics).
 */
export const ENGINE_HEALTH_PROM_METRICS = [
  { name: 'butlersos_apps_calls', help: 'Total number of requests made to the Qlik Sense engine.' },
  { name: 'butlersos_apps_selections', help: 'Total number of selections made to the Qlik Sense engine.' },
  {
    name: 'butlersos_apps_activedocs_total',
    help: 'Number of active apps. An app is active when a user is currently performing some action on it.',
  },
  {
    name: 'butlersos_apps_inmemorydocs_total',
    help: 'Number of apps apps currently loaded into memory, even if they do not have any open sessions or connections to it. Apps disappear from this metric when the engine has purged them from memory.',
  },
  {
    name: 'butlersos_apps_loadeddocs_total',
    help: 'Number of apps apps currently loaded into memory, that also have open sessions or connections.',
  },
  { name: 'butlersos_cache_added', help: 'Number of cache objects added.' },
  { name: 'butlersos_cache_bytes_added', help: 'Size in bytes of cache objects added.' },
  { name: 'butlersos_cache_hits', help: 'Number of cache hits.' },
  { name: 'butlersos_cache_lookups', help: 'Number of cache lookups.' },
  { name: 'butlersos_cache_replaced', help: 'Number of cache replaced cache objects.' },
  {
    name: 'butlersos_cache_saturated',
    help: 'When the value is 1, the engine is running with high resource usage; otherwise the value is 0.',
  },
  {
    name: 'butlersos_cpu_total',
    help: 'Percentage of the CPU used by the engine, averaged over a time period of 30 seconds.',
  },
  {
    name: 'butlersos_mem_committed',
    help: 'The total amount of committed memory for the engine process in MB.',
  },
  {
    name: 'butlersos_mem_allocated',
    help: 'The total amount of allocated memory (committed + reserved) from the operating system in MB.',
  },
  {
    name: 'butlersos_mem_free',
    help: 'The total amount of free memory (minimum of free virtual and physical memory) in MB.',
  },
  {
    name: 'butlersos_session_active',
    help: 'Number of active engine sessions. A session is active when a user is currently performing some action on an app, for example, making selections or creating content.',
  },
  { name: 'butlersos_session_total', help: 'Total number of engine sessions.' },
  {
    name: 'butlersos_users_active',
    help: 'Number of distinct active users. An active user is one who is currently performing an action on an app.',
  },
  {
    name: 'butlersos_users_total',
    help: 'Total number of distinct users within the current engine sessions.',
  },
  { name: 'butlersos_engine_metadata', help: 'Metadata about the Qlik Sense engine.' },
] as const;

type HealthPromName = (typeof ENGINE_HEALTH_PROM_METRICS)[number]['name'];
const HELP = Object.fromEntries(ENGINE_HEALTH_PROM_METRICS.map((m) => [m.name, m.help])) as Record<
  HealthPromName,
  string
>;

/**
 * Bytes per MB: Prometheus and New Relic get bytes although the HELP text says MB
 * (docs/reference/destinations.md#kept-as-upstream).
 */
const MB = 1_048_576;

/** Scope of a server's health series in the Prometheus sink (replaced on each poll). */
export function engineHealthPromScope(serverName: string): string {
  return `engine-health/${serverName}`;
}

export function engineHealthToPrometheus(record: EngineHealthRecord): {
  scope: string;
  samples: PromSample[];
} {
  const labels = { ...record.server.tags };
  const samples: PromSample[] = [];
  const add = (name: HealthPromName, value: number | undefined, extra?: Record<string, string>) => {
    if (value === undefined || !Number.isFinite(value)) return;
    samples.push({ name, help: HELP[name], labels: extra ? { ...labels, ...extra } : labels, value });
  };
  const bytes = (mb: number | undefined) => (mb === undefined ? undefined : mb * MB);
  add('butlersos_apps_calls', record.apps.calls);
  add('butlersos_apps_selections', record.apps.selections);
  add('butlersos_apps_activedocs_total', record.apps.activeDocs.ids.length);
  add('butlersos_apps_inmemorydocs_total', record.apps.inMemoryDocs.ids.length);
  add('butlersos_apps_loadeddocs_total', record.apps.loadedDocs.ids.length);
  add('butlersos_cache_added', record.cache.added);
  add('butlersos_cache_bytes_added', record.cache.bytesAdded);
  add('butlersos_cache_hits', record.cache.hits);
  add('butlersos_cache_lookups', record.cache.lookups);
  add('butlersos_cache_replaced', record.cache.replaced);
  add('butlersos_cache_saturated', record.saturated === undefined ? undefined : record.saturated ? 1 : 0);
  add('butlersos_cpu_total', record.cpu.total);
  add('butlersos_mem_committed', bytes(record.mem.committed));
  add('butlersos_mem_allocated', bytes(record.mem.allocated));
  add('butlersos_mem_free', bytes(record.mem.free));
  add('butlersos_session_active', record.session.active);
  add('butlersos_session_total', record.session.total);
  add('butlersos_users_active', record.users.active);
  add('butlersos_users_total', record.users.total);
  // Only the current engine's metadata series exists: the scope replacement drops the
  // series of a previous engine start or version (upstream kept them at 1 forever,
  // docs/reference/prometheus.md#staleness-and-expiry).
  add('butlersos_engine_metadata', 1, {
    engine_started: record.started ?? '',
    engine_version: record.version ?? '',
  });
  return { scope: engineHealthPromScope(record.server.serverName), samples };
}

// ---------------------------------------------------------------------------------------
// MQTT

export interface EngineHealthMqttConfig {
  mqttConfig: { enable: boolean; baseTopic: string };
}

/** Per-value topics with plain-text payloads (docs/reference/mqtt.md#engine-health), in v14 publish order. */
export function engineHealthToMqtt(record: EngineHealthRecord, cfg: EngineHealthMqttConfig): MqttMessage[] {
  if (!cfg.mqttConfig.enable) return [];
  // Plain concatenation, as upstream: a base topic without trailing `/` is used as given.
  const base = `${cfg.mqttConfig.baseTopic}${record.server.tags.host ?? ''}`;
  const messages: MqttMessage[] = [];
  const add = (suffix: string, value: string | number | boolean | undefined) => {
    if (value === undefined) return;
    messages.push({ topic: `${base}/${suffix}`, payload: String(value) });
  };
  const { apps, cache } = record;
  add('version', record.version);
  add('started', record.started);
  add('mem/comitted', record.mem.committed);
  add('mem/allocated', record.mem.allocated);
  add('mem/free', record.mem.free);
  add('cpu/total', record.cpu.total);
  add('session/active', record.session.active);
  add('session/total', record.session.total);
  add('apps/active_docs', apps.activeDocs.ids.join(','));
  add('apps/loaded_docs', apps.loadedDocs.ids.join(','));
  add('apps/in_memory_docs', apps.inMemoryDocs.ids.join(','));
  add('apps/calls', apps.calls);
  add('apps/selections', apps.selections);
  add('users/active', record.users.active);
  add('users/total', record.users.total);
  add('cache/hits', cache.hits);
  add('cache/lookups', cache.lookups);
  add('cache/added', cache.added);
  add('cache/replaced', cache.replaced);
  add('cache/bytes_added', cache.bytesAdded);
  if (cache.hits !== undefined && cache.lookups !== undefined && cache.lookups > 0) {
    add('cache/hit_ratio', Math.floor((cache.hits / cache.lookups) * 100));
  }
  add('saturated', record.saturated);
  return messages;
}

// ---------------------------------------------------------------------------------------
// New Relic

const enabled = (switchValue: { enable?: boolean } | undefined | null): boolean =>
  switchValue?.enable === true;

/** The parts of `newRelic` the health and session metric mappings read (upstream key names). */
export interface NewRelicMetricConfig {
  newRelic: {
    enable: boolean;
    metric: {
      dynamic?: {
        engine?: {
          memory?: { enable?: boolean };
          cpu?: { enable?: boolean };
          calls?: { enable?: boolean };
          selections?: { enable?: boolean };
          sessions?: { enable?: boolean };
          users?: { enable?: boolean };
          saturated?: { enable?: boolean };
        };
        apps?: { docCount?: { enable?: boolean } };
        cache?: { cache?: { enable?: boolean } };
        proxy?: { sessions?: { enable?: boolean } };
      };
      attribute?: {
        static?: readonly { name: string; value: string | number | boolean }[] | null;
        dynamic?: { butlerSosVersion?: { enable?: boolean } };
      };
    };
  };
  /** Product version, sent as `butlerSosVersion` when enabled. */
  butlerSosVersion: string;
}

/**
 * Server tags (or other record attributes), then static attributes, then `butlerSosVersion`
 * (docs/reference/new-relic.md#common-attributes).
 */
export function newRelicMetricAttributes(
  base: Readonly<Record<string, string>>,
  cfg: NewRelicMetricConfig,
): Record<string, string | number | boolean> {
  const attributes: Record<string, string | number | boolean> = { ...base };
  // A null list means none (upstream v14 crashed on it,
  // docs/reference/new-relic.md#accounts-and-credentials).
  for (const a of cfg.newRelic.metric.attribute?.static ?? []) attributes[a.name] = a.value;
  if (enabled(cfg.newRelic.metric.attribute?.dynamic?.butlerSosVersion))
    attributes.butlerSosVersion = cfg.butlerSosVersion;
  return attributes;
}

/** Health gauges per `newRelic.metric.dynamic.*` switch, in upstream order, names as upstream (typos included). */
export function engineHealthToNewRelic(
  record: EngineHealthRecord,
  cfg: NewRelicMetricConfig,
): NewRelicMetric[] {
  if (!cfg.newRelic.enable) return [];
  const dynamic = cfg.newRelic.metric.dynamic ?? {};
  const attributes = newRelicMetricAttributes(record.server.tags, cfg);
  const metrics: NewRelicMetric[] = [];
  const add = (name: string, value: number | undefined) => {
    if (value === undefined || !Number.isFinite(value)) return;
    metrics.push({ name, type: 'gauge', value, timestampMs: record.timeMs, attributes });
  };
  const bytes = (mb: number | undefined) => (mb === undefined ? undefined : mb * MB);
  const engine = dynamic.engine ?? {};
  if (enabled(engine.memory)) {
    add('qs_memCommited', bytes(record.mem.committed));
    add('qs_memAllocated', bytes(record.mem.allocated));
    add('qs_memFree', bytes(record.mem.free));
  }
  if (enabled(engine.cpu)) add('qs_cpuTotal', record.cpu.total);
  if (enabled(engine.calls)) add('qs_engineCalls', record.apps.calls);
  if (enabled(engine.selections)) add('qs_engineSelections', record.apps.selections);
  if (enabled(engine.sessions)) {
    add('qs_engineSessionsActive', record.session.active);
    add('qs_engineSessionsTotal', record.session.total);
  }
  if (enabled(engine.users)) {
    add('qs_engineUsersActive', record.users.active);
    add('qs_engineUsersTotal', record.users.total);
  }
  // Upstream sent a JSON boolean, which the Metric API does not accept; 1/0
  // (docs/reference/destinations.md#fixed).
  if (enabled(engine.saturated))
    add('qs_engineSaturated', record.saturated === undefined ? undefined : record.saturated ? 1 : 0);
  if (enabled(dynamic.apps?.docCount)) {
    add('qs_docsActiveCount', record.apps.activeDocs.ids.length);
    add('qs_docsLoadedCount', record.apps.loadedDocs.ids.length);
    add('qs_docsInMemoryCount', record.apps.inMemoryDocs.ids.length);
  }
  if (enabled(dynamic.cache?.cache)) {
    add('qs_cacheHits', record.cache.hits);
    add('qs_cacheLookups', record.cache.lookups);
    add('qs_cacheaAdded', record.cache.added);
    add('qs_cacheReplaced', record.cache.replaced);
    add('qs_cacheBytesAdded', record.cache.bytesAdded);
  }
  return metrics;
}
