/**
 * Log events (incl. engine performance events) → InfluxDB `log_event`, MQTT and New Relic
 * (docs/reference/influxdb.md#log-events, docs/reference/mqtt.md#log-events,
 * docs/reference/new-relic.md#log-events), plus the opt-in structured MQTT mode
 * (docs/mqtt-structured-events.md).
 *
 * The InfluxDB shape is one mapping with a per-version rule table (`INFLUX_RULES`): the
 * versions differ only in a few names, types and defaults, which existing databases lock.
 */
import type { Category, LogEventRecord, LogEventSource } from '../records/log-event.ts';
import { LOG_EVENT_MEMBERS } from '../records/log-event.ts';
import { JsonStringField, jsonText } from './json-field.ts';
import type {
  InfluxField,
  InfluxPoint,
  InfluxVersion,
  JsonText,
  MqttMessage,
  NewRelicEvent,
} from './shapes.ts';

/** A config tag list (`[{name, value}]`, null = none). */
export type TagList = readonly { name: string; value: string | number | boolean }[] | null | undefined;

/** Tag list → `{name: value}`; later entries override earlier ones. */
export function tagListToObject(list: TagList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of list ?? []) out[t.name] = String(t.value);
  return out;
}

/** InfluxDB v3 writers (upstream v15) remove `<`, `>`, `\`, CR and LF from most tag values. */
export function v3TagValue(value: string): string {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x3c || c === 0x3e || c === 0x5c || c === 0x0d || c === 0x0a)
      return value.replace(/[<>\\\r\n]/g, '');
  }
  return value;
}

/**
 * Per-config precomputation (tag objects), done once per config object rather than per
 * event. Each call site gets its own cache, so one config object can serve several.
 */
export function perConfig<C extends object, R>(build: (cfg: C) => R): (cfg: C) => R {
  const cache = new WeakMap<C, R>();
  return (cfg) => {
    let r = cache.get(cfg);
    if (r === undefined) {
      r = build(cfg);
      cache.set(cfg, r);
    }
    return r;
  };
}

// ---------------------------------------------------------------------------------------
// JSON payloads (MQTT, raw_event)

/**
 * The record as upstream serialises it: members in record order, then `category` (when
 * categorised), then `tags` (when given), as the parts of its JSON text. Built from the
 * member list so receive-time bookkeeping never leaks into payloads. `tagsJson` may be passed
 * pre-serialised (it is the same for every event).
 */
export function logEventJsonText(record: LogEventRecord, tagsJson: string | undefined): JsonText {
  let tail = '';
  if (record.category !== undefined) tail += `,"category":${JSON.stringify(record.category)}`;
  if (tagsJson !== undefined) tail += `,"tags":${tagsJson}`;
  return {
    object: record as unknown as Readonly<Record<string, unknown>>,
    keys: LOG_EVENT_MEMBERS[record.source],
    tail,
  };
}

/** `logEventJsonText` as text. */
export function logEventJson(
  record: LogEventRecord,
  tags?: Record<string, string>,
  tagsJson?: string,
): string {
  return jsonText(
    logEventJsonText(record, tagsJson ?? (tags !== undefined ? JSON.stringify(tags) : undefined)),
  );
}

// ---------------------------------------------------------------------------------------
// InfluxDB

/** `logEvents.*` keys the InfluxDB mapping reads. */
export interface LogEventInfluxConfig {
  /** `logEvents.tags`. */
  tags?: TagList;
  /**
   * True when log events are also published to MQTT: upstream's MQTT step adds `tags` to
   * the shared record, so `raw_event` then carries it (docs/reference/destinations.md#fan-out-order).
   */
  rawEventIncludesTags?: boolean;
}

interface InfluxRules {
  /** qix-perf default for empty host/level/source/subsystem/method/object_type/event_activity_source. */
  qixDefault: string;
  /** qix-perf default for empty proxy_session_id/session_id. */
  qixIdDefault: string;
  /** qix-perf `log_row` tag: v1 always `-1` (upstream quirk kept: same series cardinality). */
  qixLogRow: ((row: number) => string) | undefined;
  handleType: 'integer' | 'string';
  resultCodeField: string;
  /** Suffix of the scheduler/qix-perf `app_id`/`app_name` field names. */
  appFieldSuffix: string;
  /** v3 writes engine's absent optional string fields as "". */
  engineEmptyFields: boolean;
  sanitiseTags: boolean;
}

export const LOG_EVENT_INFLUX_RULES: Readonly<Record<InfluxVersion, InfluxRules>> = {
  1: {
    qixDefault: '<Unknown>',
    qixIdDefault: '-1',
    qixLogRow: () => '-1',
    handleType: 'integer',
    resultCodeField: 'result_code',
    appFieldSuffix: '',
    engineEmptyFields: false,
    sanitiseTags: false,
  },
  2: {
    qixDefault: '',
    qixIdDefault: '',
    qixLogRow: undefined,
    handleType: 'string',
    resultCodeField: 'result_code',
    appFieldSuffix: '',
    engineEmptyFields: false,
    sanitiseTags: false,
  },
  3: {
    qixDefault: 'Unknown',
    qixIdDefault: '-1',
    qixLogRow: undefined,
    handleType: 'integer',
    resultCodeField: 'result_code_field',
    appFieldSuffix: '_field',
    engineEmptyFields: true,
    sanitiseTags: true,
  },
};

function asIs(value: string): string {
  return value;
}

function str(value: string): InfluxField {
  return { type: 'string', value };
}

function float(fields: Record<string, InfluxField>, name: string, value: number | null): void {
  // NaN/unparsable: the field is left out (v3 behaviour; v1/v2 lost the whole point).
  if (value !== null && Number.isFinite(value)) fields[name] = { type: 'float', value };
}

const influxTags = perConfig((c: LogEventInfluxConfig) => tagListToObject(c.tags));
const influxTagsJson = perConfig((c: LogEventInfluxConfig) => JSON.stringify(influxTags(c)));

export function logEventToInflux(
  record: LogEventRecord,
  version: InfluxVersion,
  cfg: LogEventInfluxConfig,
): InfluxPoint {
  const rules = LOG_EVENT_INFLUX_RULES[version];
  const configTags = influxTags(cfg);
  const t = rules.sanitiseTags ? v3TagValue : asIs;
  const tags: Record<string, string | undefined> = {};
  const fields: Record<string, InfluxField> = {};

  if (record.source === 'qseow-qix-perf') {
    const d = (v: string) => t(v === '' ? rules.qixDefault : v);
    const id = (v: string) => t(v === '' ? rules.qixIdDefault : v);
    tags.host = d(record.host);
    tags.level = d(record.level);
    tags.source = d(record.source);
    tags.log_row = rules.qixLogRow ? rules.qixLogRow(record.log_row) : String(record.log_row);
    tags.subsystem = d(record.subsystem);
    tags.method = d(record.method);
    tags.object_type = d(record.object_type);
    tags.proxy_session_id = id(record.proxy_session_id);
    tags.session_id = id(record.session_id);
    tags.event_activity_source = d(record.event_activity_source);
  } else {
    tags.host = record.host;
    tags.level = record.level;
    tags.source = record.source;
    tags.log_row = String(record.log_row);
    tags.subsystem = record.subsystem;
  }
  // Conditional tags: only non-empty values (the encoder omits "").
  tags.user_full = record.user_full;
  tags.user_directory = t(record.user_directory);
  tags.user_id = t(record.user_id);

  switch (record.source) {
    case 'qseow-engine':
      tags.windows_user = t(record.windows_user);
      tags.app_id = t(record.app_id);
      tags.engine_exe_version = t(record.engine_exe_version);
      fields.message = str(record.message);
      if (rules.engineEmptyFields) {
        fields.exception_message = str('');
        fields.command = str('');
        fields[rules.resultCodeField] = str('');
        fields.origin = str('');
        fields.context = str('');
      }
      fields.session_id = str(record.session_id);
      break;
    case 'qseow-proxy':
    case 'qseow-repository':
      tags.result_code = t(record.result_code);
      fields.message = str(record.message);
      fields.exception_message = str(record.exception_message);
      fields.command = str(record.command);
      fields[rules.resultCodeField] = str(record.result_code);
      fields.origin = str(record.origin);
      fields.context = str(record.context);
      break;
    case 'qseow-scheduler':
      tags.task_id = t(record.task_id);
      tags.task_name = t(record.task_name);
      fields.message = str(record.message);
      fields.exception_message = str(record.exception_message);
      fields.execution_id = str(record.execution_id);
      fields[`app_name${rules.appFieldSuffix}`] = str(record.app_name);
      fields[`app_id${rules.appFieldSuffix}`] = str(record.app_id);
      break;
    case 'qseow-qix-perf':
      tags.app_id = t(record.app_id);
      tags.app_name = t(record.app_name);
      tags.object_id = t(record.object_id);
      fields[`app_id${rules.appFieldSuffix}`] = str(record.app_id);
      float(fields, 'process_time', record.process_time);
      float(fields, 'work_time', record.work_time);
      float(fields, 'lock_time', record.lock_time);
      float(fields, 'validate_time', record.validate_time);
      float(fields, 'traverse_time', record.traverse_time);
      fields.handle =
        rules.handleType === 'string'
          ? { type: 'string', value: String(record.handle) }
          : { type: 'integer', value: record.handle };
      fields.net_ram = { type: 'integer', value: record.net_ram };
      fields.peak_ram = { type: 'integer', value: record.peak_ram };
      break;
  }
  if (record.category !== undefined) for (const c of record.category) tags[c.name] = t(c.value);
  for (const name in configTags) tags[name] = t(configTags[name]!);

  // Upstream v15's v3 writer removes CR and LF from the qix-perf raw_event; JSON text has
  // none (JSON escapes them), so nothing is left to remove.
  fields.raw_event = new JsonStringField(
    logEventJsonText(record, cfg.rawEventIncludesTags ? influxTagsJson(cfg) : undefined),
  );

  return {
    measurement: 'log_event',
    tags,
    fields,
    timeMs: record.receivedAtMs,
    timeNsOffset: record.timeNsOffset,
  };
}

// ---------------------------------------------------------------------------------------
// MQTT

/** `logEvents.sendToMQTT` and `logEvents.tags` as in the config file. */
export interface LogEventMqttConfig {
  sendToMQTT: {
    baseTopic: string;
    postTo: { baseTopic: boolean; subsystemTopics: boolean };
    /** Beyond upstream: one JSON document per event on filterable topics (opt-in). */
    structured?: StructuredMqttConfig | null;
  };
  tags?: TagList;
}

export interface StructuredMqttConfig {
  enable: boolean;
  /** Default `butler-sos/events`. */
  baseTopic?: string;
  retain?: boolean;
}

export const DEFAULT_STRUCTURED_BASE_TOPIC = 'butler-sos/events';

/**
 * One MQTT topic level: no wildcards `+`/`#` (a publish would fail) and no `/`. (Record
 * values have no control characters: the parser removed them.)
 */
export function topicLevel(value: string): string {
  let out = value;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x2b || c === 0x23 || c === 0x2f) {
      out = value.replace(/[+#/]/g, '_');
      break;
    }
  }
  return out === '' ? 'unknown' : out;
}

function subsystemTopic(base: string, subsystem: string): string {
  const parts = subsystem.split('.').map((p) => p.toLowerCase().replace(/[+#]/g, '_'));
  return (base.endsWith('/') ? base : `${base}/`) + parts.join('/');
}

const mqttTags = perConfig((c: LogEventMqttConfig) => tagListToObject(c.tags));
const mqttTagsJson = perConfig((c: LogEventMqttConfig) => JSON.stringify(mqttTags(c)));

export function logEventToMqtt(record: LogEventRecord, cfg: LogEventMqttConfig): MqttMessage[] {
  const tags = mqttTags(cfg);
  const out: MqttMessage[] = [];
  const { postTo, baseTopic, structured } = cfg.sendToMQTT;
  if (postTo.baseTopic || postTo.subsystemTopics) {
    const payload = logEventJson(record, undefined, mqttTagsJson(cfg));
    if (postTo.baseTopic) out.push({ topic: baseTopic, payload });
    if (postTo.subsystemTopics) out.push({ topic: subsystemTopic(baseTopic, record.subsystem), payload });
  }
  if (structured?.enable) out.push(structuredLogEventMessage(record, structured, tags));
  return out;
}

const SHORT_SOURCE: Record<LogEventSource, string> = {
  'qseow-engine': 'engine',
  'qseow-proxy': 'proxy',
  'qseow-repository': 'repository',
  'qseow-scheduler': 'scheduler',
  'qseow-qix-perf': 'qix-perf',
};

/** Where each part starts in the two layouts a Sense timestamp comes in. */
const SENSE_TIMESTAMP_LAYOUTS = [
  // 20241105T083015.120+0100
  { length: 24, t: 8, y: 0, mo: 4, d: 6, h: 9, mi: 11, s: 13, ms: 16, off: 19 },
  // 2024-11-05T08:30:15.120+0100
  { length: 28, t: 10, y: 0, mo: 5, d: 8, h: 11, mi: 14, s: 17, ms: 20, off: 23 },
] as const;

/**
 * A Sense timestamp (`20241105T083015.120+0100` or `2024-11-05T08:30:15.120+0100`) as
 * ISO-8601 UTC, or undefined when it is not one.
 */
export function senseTimestampToIso(ts: string): string | undefined {
  const at = SENSE_TIMESTAMP_LAYOUTS.find((l) => ts.length === l.length && ts[l.t] === 'T');
  if (at === undefined) return undefined;
  const part = (start: number, width: number): number => Number(ts.slice(start, start + width));
  const off = ts.slice(at.off);
  const sign = off[0] === '-' ? -1 : 1;
  const offMin = sign * (Number(off.slice(1, 3)) * 60 + Number(off.slice(3, 5)));
  const utc = Date.UTC(
    part(at.y, 4),
    part(at.mo, 2) - 1,
    part(at.d, 2),
    part(at.h, 2),
    part(at.mi, 2),
    part(at.s, 2),
    part(at.ms, 3),
  );
  const t = utc - offMin * 60_000;
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
}

/**
 * Structured mode: `<base>/log/<source>/<level>/<host>` with every parsed member, the
 * receive time and (when the Sense timestamp parses) the event time in UTC.
 */
export function structuredLogEventMessage(
  record: LogEventRecord,
  cfg: StructuredMqttConfig,
  tags: Record<string, string>,
): MqttMessage {
  const base = (cfg.baseTopic ?? DEFAULT_STRUCTURED_BASE_TOPIC).replace(/\/+$/, '');
  const topic = `${base}/log/${SHORT_SOURCE[record.source]}/${topicLevel(record.level.toLowerCase())}/${topicLevel(record.host)}`;
  const doc: Record<string, unknown> = {
    schema: 'butler-sos/log-event/1',
    kind: 'log',
    receivedAt: new Date(record.receivedAtMs).toISOString(),
    eventTime: senseTimestampToIso(record.ts_iso) ?? null,
  };
  const r = record as unknown as Record<string, unknown>;
  for (const key of LOG_EVENT_MEMBERS[record.source]) doc[key] = r[key] ?? null;
  doc.category = record.category ?? [];
  doc.tags = tags;
  const msg: MqttMessage = { topic, payload: JSON.stringify(doc) };
  if (cfg.retain) msg.retain = true;
  return msg;
}

// ---------------------------------------------------------------------------------------
// New Relic

type NrSourceKey = 'engine' | 'proxy' | 'repository' | 'scheduler';
const NR_SOURCE: Partial<Record<LogEventSource, NrSourceKey>> = {
  'qseow-engine': 'engine',
  'qseow-proxy': 'proxy',
  'qseow-repository': 'repository',
  'qseow-scheduler': 'scheduler',
};

/** `logEvents.sendToNewRelic`, `logEvents.tags` and the `newRelic.event.attribute` keys. */
export interface LogEventNewRelicConfig {
  sendToNewRelic: {
    source: Record<NrSourceKey, { enable: boolean; logLevel?: { error?: boolean; warn?: boolean } | null }>;
  };
  tags?: TagList;
  /** `newRelic.event.attribute.static`. */
  staticAttributes?: TagList;
  /** Set when `newRelic.event.attribute.dynamic.butlerSosVersion.enable`. */
  butlerSosVersion?: string | undefined;
}

/** [New Relic attribute, record member], in upstream's order (docs/reference/new-relic.md#log-events). */
const NR_ATTRIBUTES: readonly (readonly [string, string])[] = [
  ['qs_ts_iso', 'ts_iso'],
  ['qs_ts_local', 'ts_local'],
  ['qs_log_source', 'source'],
  ['qs_log_level', 'level'],
  ['qs_host', 'host'],
  ['qs_subsystem', 'subsystem'],
  ['qs_windows_user', 'windows_user'],
  ['qs_message', 'message'],
  ['qs_exception_message', 'exception_message'],
  ['qs_user_full', ''],
  ['qs_user_directory', 'user_directory'],
  ['qs_user_id', 'user_id'],
  ['qs_command', 'command'],
  ['qs_result_code', 'result_code'],
  ['qs_origin', 'origin'],
  ['qs_context', 'context'],
  ['qs_task_name', 'task_name'],
  ['qs_app_name', 'app_name'],
  ['qs_task_id', 'task_id'],
  ['qs_app_id', 'app_id'],
  ['qs_execution_id', 'execution_id'],
  ['qs_proxy_session_id', 'proxy_session_id'],
  ['qs_engine_ts', 'engine_ts'],
  ['qs_process_id', 'process_id'],
  ['qs_engine_exe_version', 'engine_exe_version'],
  ['qs_server_started', 'server_started'],
  ['qs_entry_type', 'entry_type'],
  ['qs_session_id', 'session_id'],
];

const nrExtras = perConfig((c: LogEventNewRelicConfig) => ({
  tags: tagListToObject(c.tags),
  statics: tagListToObject(c.staticAttributes),
}));

/**
 * The `qs_logEvent` event, or undefined when upstream would not send it: qix-perf events,
 * levels other than ERROR/WARN, and sources or levels switched off.
 */
export function logEventToNewRelic(
  record: LogEventRecord,
  cfg: LogEventNewRelicConfig,
): NewRelicEvent | undefined {
  const key = NR_SOURCE[record.source];
  if (key === undefined) return undefined;
  const src = cfg.sendToNewRelic.source[key];
  if (!src?.enable) return undefined;
  const level = record.level.toLowerCase();
  if (!((level === 'error' && src.logLevel?.error) || (level === 'warn' && src.logLevel?.warn)))
    return undefined;

  const r = record as unknown as Record<string, unknown>;
  const attributes: Record<string, string | number | boolean> = {};
  for (const [attr, member] of NR_ATTRIBUTES) {
    if (member === '') attributes[attr] = `${record.user_directory}\\${record.user_id}`;
    else {
      const v = r[member];
      if (typeof v === 'string' || typeof v === 'number') attributes[attr] = v;
    }
  }
  const extra = nrExtras(cfg);
  Object.assign(attributes, extra.tags, extra.statics);
  if (cfg.butlerSosVersion !== undefined) attributes.butlerSosVersion = cfg.butlerSosVersion;
  return { eventType: 'qs_logEvent', timestampMs: record.receivedAtMs, attributes };
}

export type { Category };
