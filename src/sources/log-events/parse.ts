/**
 * Log-event datagram parser (docs/reference/udp-events.md#log-events): one UDP datagram's text → one
 * typed record, or a reason for rejecting it. Pure: no config, no I/O, no clock.
 *
 * Deliberate differences from upstream v14 (each covered by a test):
 * - `ts_iso`/`ts_local` keep the timestamps in the forms Sense really sends (v14 stores "").
 * - A `;` inside the message (or exception) does not shift the following fields: the
 *   layouts have fixed field counts, so the trailing fields are taken from the right and
 *   the free text is re-joined.
 * - Datagrams with fewer fields than their layout are rejected (v14 stores the text
 *   `undefined` in the missing fields).
 * - `(null)` property values (log4net's text for an unset property) become "".
 * - Trailing CR/LF is removed before splitting (so a GUID in the last field survives).
 * - Unparsable qix-perf times are `null` (v14: NaN).
 */
import type {
  EngineLogEvent,
  LogEventRecord,
  LogEventRejection,
  LogEventSource,
  ProxyLogEvent,
  QixPerfLogEvent,
  SchedulerLogEvent,
} from '../../records/log-event.ts';
import {
  isoTimestampOrEmpty,
  leadingFloat,
  leadingInt,
  localTimestampOrEmpty,
  normaliseUser,
  property,
  sanitise,
  trimLineEnd,
  uuidOrEmpty,
} from './fields.ts';

export interface ParseLogEventOptions {
  receivedAtMs: number;
  timeNsOffset: number;
  /** App-name lookup for qix-perf events (`appNameLookup.enable`); absent = names are "". */
  appNameOf?: ((appId: string) => string | undefined) | undefined;
}

/**
 * The raw (unsanitised) values the engine performance monitor filters on
 * (docs/reference/udp-events.md#engine-performance-monitor-filters).
 */
export interface PerfFilterValues {
  appId: string;
  appName: string;
  objectId: string;
  objectType: string;
  method: string;
}

export type ParseLogEventResult =
  | { ok: true; event: LogEventRecord; perf?: PerfFilterValues }
  | { ok: false; reason: LogEventRejection; source?: LogEventSource };

// A Map, not an object literal: the key comes from the datagram (`__proto__`, `constructor`).
const MARKERS: ReadonlyMap<string, LogEventSource> = new Map([
  ['/qseow-engine/', 'qseow-engine'],
  ['/qseow-proxy/', 'qseow-proxy'],
  ['/qseow-repository/', 'qseow-repository'],
  ['/qseow-scheduler/', 'qseow-scheduler'],
  ['/qseow-qix-perf/', 'qseow-qix-perf'],
]);

/**
 * Fields per layout (docs/reference/udp-events.md#log-event-layouts,
 * docs/reference/udp-events.md#engine-performance-layout).
 */
export const LAYOUT_FIELD_COUNT: Readonly<Record<LogEventSource, number>> = {
  'qseow-engine': 19,
  'qseow-proxy': 16,
  'qseow-repository': 16,
  'qseow-scheduler': 18,
  'qseow-qix-perf': 26,
};

/** The source named by a datagram's first field, or undefined (marker compared case-insensitively). */
export function markerSource(first: string): LogEventSource | undefined {
  return MARKERS.get(first) ?? (first.length <= 20 ? MARKERS.get(first.toLowerCase()) : undefined);
}

export function parseLogEventDatagram(text: string, opts: ParseLogEventOptions): ParseLogEventResult {
  const clean = trimLineEnd(text);
  if (clean.length === 0) return { ok: false, reason: 'empty' };
  const parts = clean.split(';');
  const source = markerSource(parts[0]!);
  if (source === undefined) return { ok: false, reason: 'unknown_marker' };
  if (parts.length < LAYOUT_FIELD_COUNT[source]) return { ok: false, reason: 'too_few_fields', source };
  switch (source) {
    case 'qseow-engine':
      return { ok: true, event: engine(fixed(parts, 8, 1, 10), opts) };
    case 'qseow-proxy':
    case 'qseow-repository':
      return { ok: true, event: proxyOrRepository(source, fixed(parts, 8, 2, 6), opts) };
    case 'qseow-scheduler':
      return { ok: true, event: scheduler(fixed(parts, 8, 2, 8), opts) };
    case 'qseow-qix-perf':
      return qixPerf(parts, opts);
  }
}

/**
 * The layout's fields from the split parts: `head` fixed fields, then `free` free-text
 * fields that may contain `;`, then `tail` fixed fields taken from the right. Extra parts
 * belong to the free text. With two free-text fields (message, exception) the split point
 * is the first part that starts like a .NET exception type name, else the last part
 * (an exception is usually empty, a message more likely to contain `;`).
 */
function fixed(parts: string[], head: number, free: number, tail: number): string[] {
  const want = head + free + tail;
  if (parts.length === want) return parts;
  const freeEnd = parts.length - tail;
  const out = parts.slice(0, head);
  if (free === 1) {
    out.push(parts.slice(head, freeEnd).join(';'));
  } else {
    let split = freeEnd - 1;
    for (let i = head + 1; i < freeEnd; i++) {
      if (EXCEPTION_START.test(parts[i]!)) {
        split = i;
        break;
      }
    }
    out.push(parts.slice(head, split).join(';'), parts.slice(split, freeEnd).join(';'));
  }
  for (let i = freeEnd; i < parts.length; i++) out.push(parts[i]!);
  return out;
}

/** Only consulted on the rare datagrams whose free text holds semicolons. */
const EXCEPTION_START = /^\s*[A-Za-z_][\w.`]*(Exception|Error)\b/;

/**
 * Fields 2–7, the same for every source. qix-perf keeps its timestamps as received, as
 * upstream does for that source (sanitised, not validated).
 */
function common(p: string[], timestamps: 'validated' | 'as-received' = 'validated') {
  const tsIso = sanitise(p[2]!, 50);
  const tsLocal = sanitise(p[3]!, 50);
  const validated = timestamps === 'validated';
  return {
    ts_iso: validated ? isoTimestampOrEmpty(tsIso) : tsIso,
    ts_local: validated ? localTimestampOrEmpty(tsLocal) : tsLocal,
    level: sanitise(p[4]!, 20),
    host: sanitise(p[5]!, 100),
    subsystem: sanitise(p[6]!, 200),
    windows_user: sanitise(p[7]!, 100),
  };
}

function engine(p: string[], opts: ParseLogEventOptions): EngineLogEvent {
  const row = leadingInt(p[1]!, -1);
  const user = normaliseUser(property(p[10]!, 100), property(p[11]!, 100), '');
  return {
    source: 'qseow-engine',
    log_row: row > 0 ? row : -1,
    ...common(p),
    message: sanitise(p[8]!, 1000),
    proxy_session_id: uuidOrEmpty(p[9]!),
    user_directory: user.user_directory,
    user_id: user.user_id,
    engine_ts: property(p[12]!, 50),
    process_id: uuidOrEmpty(p[13]!),
    engine_exe_version: property(p[14]!, 50),
    server_started: property(p[15]!, 50),
    entry_type: property(p[16]!, 50),
    session_id: uuidOrEmpty(p[17]!),
    app_id: uuidOrEmpty(p[18]!),
    user_full: user.user_full,
    receivedAtMs: opts.receivedAtMs,
    timeNsOffset: opts.timeNsOffset,
    kind: 'log-event',
  };
}

function proxyOrRepository(
  source: 'qseow-proxy' | 'qseow-repository',
  p: string[],
  opts: ParseLogEventOptions,
): ProxyLogEvent {
  const user = normaliseUser(property(p[10]!, 100), property(p[11]!, 100), '');
  return {
    source,
    log_row: leadingInt(p[1]!, -1),
    ...common(p),
    message: sanitise(p[8]!, 1000),
    exception_message: sanitise(p[9]!, 1000),
    user_directory: user.user_directory,
    user_id: user.user_id,
    command: property(p[12]!, 200),
    result_code: property(p[13]!, 50),
    origin: property(p[14]!, 200),
    context: property(p[15]!, 200),
    user_full: user.user_full,
    receivedAtMs: opts.receivedAtMs,
    timeNsOffset: opts.timeNsOffset,
    kind: 'log-event',
  };
}

function scheduler(p: string[], opts: ParseLogEventOptions): SchedulerLogEvent {
  const user = normaliseUser(property(p[10]!, 100), property(p[11]!, 100), property(p[12]!, 200));
  return {
    source: 'qseow-scheduler',
    log_row: leadingInt(p[1]!, -1),
    ...common(p),
    message: sanitise(p[8]!, 1000),
    exception_message: sanitise(p[9]!, 1000),
    user_directory: user.user_directory,
    user_id: user.user_id,
    user_full: user.user_full,
    task_name: property(p[13]!, 200),
    app_name: property(p[14]!, 200),
    task_id: uuidOrEmpty(p[15]!),
    app_id: uuidOrEmpty(p[16]!),
    execution_id: uuidOrEmpty(p[17]!),
    receivedAtMs: opts.receivedAtMs,
    timeNsOffset: opts.timeNsOffset,
    kind: 'log-event',
  };
}

function nonNegativeInt(value: string, fallback: number): number {
  const n = leadingInt(value, fallback);
  return n >= 0 ? n : fallback;
}

function qixPerf(p: string[], opts: ParseLogEventOptions): ParseLogEventResult {
  const rawAppId = p[13]!;
  const appName = (rawAppId !== '' && opts.appNameOf?.(rawAppId)) || '';
  const user = normaliseUser(property(p[9]!, 100), property(p[10]!, 100), '');
  const event: QixPerfLogEvent = {
    source: 'qseow-qix-perf',
    log_row: leadingInt(p[1]!, -1),
    ...common(p, 'as-received'),
    proxy_session_id: uuidOrEmpty(p[8]!),
    user_directory: user.user_directory,
    user_id: user.user_id,
    engine_ts: property(p[11]!, 50),
    session_id: uuidOrEmpty(p[12]!),
    app_id: uuidOrEmpty(rawAppId),
    app_name: sanitise(appName, 200),
    request_id: nonNegativeInt(p[14]!, -99),
    method: property(p[15]!, 100),
    process_time: leadingFloat(p[16]!),
    work_time: leadingFloat(p[17]!),
    lock_time: leadingFloat(p[18]!),
    validate_time: leadingFloat(p[19]!),
    traverse_time: leadingFloat(p[20]!),
    handle: leadingInt(p[21]!, -99),
    object_id: property(p[22]!, 100),
    net_ram: nonNegativeInt(p[23]!, -1),
    peak_ram: nonNegativeInt(p[24]!, -1),
    object_type: property(p[25]!, 100),
    event_activity_source: p[8] === '0' ? 'non-user' : 'user',
    user_full: user.user_full,
    receivedAtMs: opts.receivedAtMs,
    timeNsOffset: opts.timeNsOffset,
    kind: 'log-event',
  };
  return {
    ok: true,
    event,
    perf: { appId: rawAppId, appName, objectId: p[22]!, objectType: p[25]!, method: p[15]! },
  };
}
