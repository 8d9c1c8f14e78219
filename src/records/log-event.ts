/**
 * Log events received over UDP (docs/reference/udp-events.md#log-events): warnings/errors from the
 * engine, proxy, repository and scheduler services, and engine performance ("qix-perf") events.
 *
 * Member names are upstream's record names; they are what MQTT payloads, `raw_event` and
 * the InfluxDB tags/fields carry. The member order of each kind is kept in
 * `LOG_EVENT_MEMBERS` (payloads are serialised in that order, as upstream does).
 */

export type LogEventSource =
  | 'qseow-engine'
  | 'qseow-proxy'
  | 'qseow-repository'
  | 'qseow-scheduler'
  | 'qseow-qix-perf';

export interface Category {
  name: string;
  value: string;
}

/** Receive-time bookkeeping, never part of upstream-shaped payloads. */
export interface EventTiming {
  /** Receive time, ms since the epoch: the point time of the event in every destination. */
  receivedAtMs: number;
  /**
   * 0..999 999 ns added to `receivedAtMs` for InfluxDB, unique per event within its
   * millisecond: two events never collapse into one point, and a retried write of the same
   * record rewrites the same point (the value travels with the record).
   */
  timeNsOffset: number;
}

interface LogEventBase extends EventTiming {
  kind: 'log-event';
  log_row: number;
  /** As sent by Sense (`YYYYMMDDThhmmss.fff±hhmm`), or "" when not a recognised timestamp. */
  ts_iso: string;
  /** As sent by Sense (`yyyy-MM-dd HH:mm:ss,fff`), or "" when not a recognised timestamp. */
  ts_local: string;
  level: string;
  host: string;
  subsystem: string;
  windows_user: string;
  user_directory: string;
  user_id: string;
  user_full: string;
  /** Categories from `logEvents.categorise` (absent when categorisation is off). */
  category?: Category[];
}

export interface EngineLogEvent extends LogEventBase {
  source: 'qseow-engine';
  message: string;
  proxy_session_id: string;
  engine_ts: string;
  process_id: string;
  engine_exe_version: string;
  server_started: string;
  entry_type: string;
  session_id: string;
  app_id: string;
}

export interface ProxyLogEvent extends LogEventBase {
  source: 'qseow-proxy' | 'qseow-repository';
  message: string;
  exception_message: string;
  command: string;
  result_code: string;
  origin: string;
  context: string;
}

export interface SchedulerLogEvent extends LogEventBase {
  source: 'qseow-scheduler';
  message: string;
  exception_message: string;
  task_name: string;
  app_name: string;
  task_id: string;
  app_id: string;
  execution_id: string;
}

export interface QixPerfLogEvent extends LogEventBase {
  source: 'qseow-qix-perf';
  proxy_session_id: string;
  engine_ts: string;
  session_id: string;
  app_id: string;
  app_name: string;
  request_id: number;
  method: string;
  /** Milliseconds; null when the datagram's value is not a number (upstream: NaN). */
  process_time: number | null;
  work_time: number | null;
  lock_time: number | null;
  validate_time: number | null;
  traverse_time: number | null;
  handle: number;
  object_id: string;
  net_ram: number;
  peak_ram: number;
  object_type: string;
  event_activity_source: 'user' | 'non-user';
}

export type LogEventRecord = EngineLogEvent | ProxyLogEvent | SchedulerLogEvent | QixPerfLogEvent;

/** The members every log event starts with, in upstream's order. */
const COMMON_LEADING_MEMBERS = [
  'source',
  'log_row',
  'ts_iso',
  'ts_local',
  'level',
  'host',
  'subsystem',
  'windows_user',
] as const;

/** Upstream's record member order per source (docs/reference/mqtt.md#log-event-members). */
export const LOG_EVENT_MEMBERS: Readonly<Record<LogEventSource, readonly string[]>> = {
  'qseow-engine': [
    ...COMMON_LEADING_MEMBERS,
    'message',
    'proxy_session_id',
    'user_directory',
    'user_id',
    'engine_ts',
    'process_id',
    'engine_exe_version',
    'server_started',
    'entry_type',
    'session_id',
    'app_id',
    'user_full',
  ],
  'qseow-proxy': proxyMembers(),
  'qseow-repository': proxyMembers(),
  'qseow-scheduler': [
    ...COMMON_LEADING_MEMBERS,
    'message',
    'exception_message',
    'user_directory',
    'user_id',
    'user_full',
    'task_name',
    'app_name',
    'task_id',
    'app_id',
    'execution_id',
  ],
  'qseow-qix-perf': [
    ...COMMON_LEADING_MEMBERS,
    'proxy_session_id',
    'user_directory',
    'user_id',
    'engine_ts',
    'session_id',
    'app_id',
    'app_name',
    'request_id',
    'method',
    'process_time',
    'work_time',
    'lock_time',
    'validate_time',
    'traverse_time',
    'handle',
    'object_id',
    'net_ram',
    'peak_ram',
    'object_type',
    'event_activity_source',
    'user_full',
  ],
};

function proxyMembers(): string[] {
  return [
    ...COMMON_LEADING_MEMBERS,
    'message',
    'exception_message',
    'user_directory',
    'user_id',
    'command',
    'result_code',
    'origin',
    'context',
    'user_full',
  ];
}

/** Why a log-event datagram was not turned into a forwarded record. */
export type LogEventRejection =
  | 'empty'
  | 'unknown_marker'
  | 'too_few_fields'
  | 'source_disabled'
  | 'perf_monitor_disabled'
  | 'perf_filter_rejected'
  | 'categorise_drop';
