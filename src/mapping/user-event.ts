/**
 * User events → InfluxDB `user_events`, MQTT and New Relic `qs_userEvent`
 * (docs/reference/influxdb.md#user-events, docs/reference/mqtt.md#user-events,
 * docs/reference/new-relic.md#user-events), plus the opt-in structured MQTT mode.
 */
import { createHash } from 'node:crypto';
import type { UserEventRecord } from '../records/user-event.ts';
import {
  DEFAULT_STRUCTURED_BASE_TOPIC,
  perConfig,
  type StructuredMqttConfig,
  type TagList,
  tagListToObject,
  topicLevel,
  v3TagValue,
} from './log-event.ts';
import type { InfluxField, InfluxPoint, InfluxVersion, MqttMessage, NewRelicEvent } from './shapes.ts';

// ---------------------------------------------------------------------------------------
// InfluxDB

export interface UserEventInfluxConfig {
  /** `userEvents.tags`. */
  tags?: TagList;
}

interface UserInfluxRules {
  /** Field-name suffix: v3 cannot hold a tag and a field of the same name. */
  userFieldSuffix: string;
  appFieldSuffix: string;
  sanitiseTags: boolean;
}

/** v1/v2 use the v14 names (v15 renamed v2's app fields, breaking v2 users); v3 the `_field` names. */
export const USER_EVENT_INFLUX_RULES: Readonly<Record<InfluxVersion, UserInfluxRules>> = {
  1: { userFieldSuffix: '', appFieldSuffix: '', sanitiseTags: false },
  2: { userFieldSuffix: '', appFieldSuffix: '', sanitiseTags: false },
  3: { userFieldSuffix: '_field', appFieldSuffix: '_field', sanitiseTags: true },
};

const influxTags = perConfig((c: UserEventInfluxConfig) => tagListToObject(c.tags));

function str(value: string): InfluxField {
  return { type: 'string', value };
}

/** Upstream writes `userFull` as `dir\id` even when a part is empty. */
function userFull(record: UserEventRecord): string {
  return `${record.user_directory}\\${record.user_id}`;
}

export function userEventToInflux(
  record: UserEventRecord,
  version: InfluxVersion,
  cfg: UserEventInfluxConfig,
): InfluxPoint {
  const rules = USER_EVENT_INFLUX_RULES[version];
  const t = rules.sanitiseTags ? v3TagValue : (v: string) => v;
  const full = userFull(record);
  const tags: Record<string, string | undefined> = {
    host: t(record.host),
    event_action: t(record.command),
    userFull: full,
    userDirectory: t(record.user_directory),
    userId: t(record.user_id),
    origin: t(record.origin),
  };
  const fields: Record<string, InfluxField> = {
    [`userFull${rules.userFieldSuffix}`]: str(full),
    [`userId${rules.userFieldSuffix}`]: str(record.user_id),
  };
  if (record.appId !== undefined) {
    tags.appId = t(record.appId);
    tags.appName = t(record.appName ?? '');
    fields[`appId${rules.appFieldSuffix}`] = str(record.appId);
    fields[`appName${rules.appFieldSuffix}`] = str(record.appName ?? '');
  }
  const ua = record.ua;
  if (ua !== undefined) {
    if (ua.browserName) tags.uaBrowserName = t(ua.browserName);
    if (ua.browserMajor) tags.uaBrowserMajorVersion = t(ua.browserMajor);
    if (ua.osName) tags.uaOsName = t(ua.osName);
    if (ua.osVersion) tags.uaOsVersion = t(ua.osVersion);
  }
  const configTags = influxTags(cfg);
  for (const name in configTags) tags[rules.sanitiseTags ? v3TagValue(name) : name] = t(configTags[name]!);
  return {
    measurement: 'user_events',
    tags,
    fields,
    timeMs: record.receivedAtMs,
    timeNsOffset: record.timeNsOffset,
  };
}

// ---------------------------------------------------------------------------------------
// MQTT

interface TopicSwitch {
  enable: boolean;
  topic: string;
}

/** `userEvents.sendToMQTT` and `userEvents.tags` as in the config file. */
export interface UserEventMqttConfig {
  sendToMQTT: {
    postTo: {
      everythingTopic?: TopicSwitch | null;
      sessionStartTopic?: TopicSwitch | null;
      sessionStopTopic?: TopicSwitch | null;
      connectionOpenTopic?: TopicSwitch | null;
      connectionCloseTopic?: TopicSwitch | null;
    };
    /** Beyond upstream: one JSON document per event on filterable topics (opt-in). */
    structured?: StructuredMqttConfig | null;
  };
  tags?: TagList;
}

const mqttTags = perConfig((c: UserEventMqttConfig) => tagListToObject(c.tags));

/** Upstream's payload (docs/reference/mqtt.md#user-events), keys in upstream order. */
export function userEventMqttPayload(record: UserEventRecord, tags: Record<string, string>): string {
  const o: Record<string, unknown> = {
    messageType: record.messageType,
    host: record.host,
    command: record.command,
    userDir: record.user_directory,
    userId: record.user_id,
    origin: record.origin,
    context: record.context,
    message: record.message,
    tags,
  };
  if (record.appId !== undefined) {
    o.appId = record.appId;
    o.appName = record.appName;
  }
  const ua = record.ua;
  if (ua?.browserName) o.uaBrowserName = ua.browserName;
  if (ua?.browserMajor) o.uaBrowserMajorVersion = ua.browserMajor;
  if (ua?.osName) o.uaOsName = ua.osName;
  if (ua?.osVersion) o.uaOsVersion = ua.osVersion;
  return JSON.stringify(o);
}

export function userEventToMqtt(record: UserEventRecord, cfg: UserEventMqttConfig): MqttMessage[] {
  const tags = mqttTags(cfg);
  const { postTo, structured } = cfg.sendToMQTT;
  const out: MqttMessage[] = [];
  const specific =
    record.command === 'Start session'
      ? postTo.sessionStartTopic
      : record.command === 'Stop session'
        ? postTo.sessionStopTopic
        : record.command === 'Open connection'
          ? postTo.connectionOpenTopic
          : record.command === 'Close connection'
            ? postTo.connectionCloseTopic
            : undefined;
  if (postTo.everythingTopic?.enable || specific?.enable) {
    const payload = userEventMqttPayload(record, tags);
    if (postTo.everythingTopic?.enable) out.push({ topic: postTo.everythingTopic.topic, payload });
    if (specific?.enable) out.push({ topic: specific.topic, payload });
  }
  if (structured?.enable) out.push(structuredUserEventMessage(record, structured, tags));
  return out;
}

/** `Start session` → `start`, `Close connection` → `close`; anything else slugged. */
function action(command: string): string {
  const first = command.split(' ')[0]?.toLowerCase() ?? '';
  return topicLevel(first);
}

/** Structured mode: `<base>/user/<session|connection>/<action>/<host>` with every parsed member. */
export function structuredUserEventMessage(
  record: UserEventRecord,
  cfg: StructuredMqttConfig,
  tags: Record<string, string>,
): MqttMessage {
  const base = (cfg.baseTopic ?? DEFAULT_STRUCTURED_BASE_TOPIC).replace(/\/+$/, '');
  const kind = record.messageType === 'qseow-proxy-session' ? 'session' : 'connection';
  const doc = {
    schema: 'butler-sos/user-event/1',
    kind: 'user',
    receivedAt: new Date(record.receivedAtMs).toISOString(),
    messageType: record.messageType,
    host: record.host,
    command: record.command,
    user_directory: record.user_directory,
    user_id: record.user_id,
    user_full: record.user_full,
    origin: record.origin,
    context: record.context,
    message: record.message,
    appId: record.appId ?? null,
    appName: record.appName ?? null,
    userAgent: record.ua
      ? {
          ua: record.ua.ua,
          browserName: record.ua.browserName ?? null,
          browserMajor: record.ua.browserMajor ?? null,
          osName: record.ua.osName ?? null,
          osVersion: record.ua.osVersion ?? null,
        }
      : null,
    tags,
  };
  const msg: MqttMessage = {
    topic: `${base}/user/${kind}/${action(record.command)}/${topicLevel(record.host)}`,
    payload: JSON.stringify(doc),
  };
  if (cfg.retain) msg.retain = true;
  return msg;
}

// ---------------------------------------------------------------------------------------
// New Relic

export interface UserEventNewRelicConfig {
  sendToNewRelic: { scramble: boolean };
  /** `userEvents.tags`. */
  tags?: TagList;
}

/** SHAKE256 with an 8-byte output, lower-case hex: upstream's scrambling (keeps historical data joinable). */
export function scrambleUser(value: string): string {
  return createHash('shake256', { outputLength: 8 }).update(value).digest('hex');
}

const nrTags = perConfig((c: UserEventNewRelicConfig) => tagListToObject(c.tags));

export function userEventToNewRelic(record: UserEventRecord, cfg: UserEventNewRelicConfig): NewRelicEvent {
  const scramble = cfg.sendToNewRelic.scramble;
  const full = userFull(record);
  const a: Record<string, string | number | boolean> = {
    qs_host: record.host,
    qs_event_action: record.command,
    qs_userFull: scramble ? scrambleUser(full) : full,
    qs_userDirectory: scramble ? scrambleUser(record.user_directory) : record.user_directory,
    qs_userId: scramble ? scrambleUser(record.user_id) : record.user_id,
    qs_origin: record.origin,
  };
  if (record.appId !== undefined) {
    a.qs_appId = record.appId;
    a.qs_appName = record.appName ?? '';
  }
  const ua = record.ua;
  if (ua?.browserName) a.qs_uaBrowserName = ua.browserName;
  if (ua?.browserMajor) a.qs_uaBrowserMajorVersion = ua.browserMajor;
  if (ua?.osName) a.qs_uaOsName = ua.osName;
  if (ua?.osVersion) a.qs_uaOsVersion = ua.osVersion;
  Object.assign(a, nrTags(cfg));
  return { eventType: 'qs_userEvent', timestampMs: record.receivedAtMs, attributes: a };
}
