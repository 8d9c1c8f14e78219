import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  logEventJson,
  logEventToInflux,
  logEventToMqtt,
  logEventToNewRelic,
  senseTimestampToIso,
} from '../../../src/mapping/log-event.ts';
import type { LogEventRecord } from '../../../src/records/log-event.ts';
import { parseLogEventDatagram } from '../../../src/sources/log-events/parse.ts';
import { createEventClock } from '../../../src/udp/event-clock.ts';
import { appNameOf, caseById, expectedOf, LOG_EVENTS } from '../../support/datagram-fixtures.ts';

/** The record of a fixture case, as the parser makes it (with the given receive stamp). */
function rec(id: string, at = { timeMs: 1_700_000_000_123, timeNsOffset: 42 }): LogEventRecord {
  const r = parseLogEventDatagram(caseById(LOG_EVENTS, id).datagram, {
    receivedAtMs: at.timeMs,
    timeNsOffset: at.timeNsOffset,
    appNameOf: appNameOf(LOG_EVENTS),
  });
  assert.ok(r.ok);
  return r.event;
}
/** The member order of a case's record, as the fixture writes it. */
const memberOrder = (id: string) => Object.keys(expectedOf(caseById(LOG_EVENTS, id)));
const ENGINE = 'engine-user-app';
const ENGINE_FATAL = 'engine-fatal-hyphenated-iso';
const PROXY = 'proxy-exception-no-user';
const SCHEDULER_ERROR = 'scheduler-reload-failed';
const SCHEDULER_WARN = 'scheduler-user-property-only';
const QIX = 'qixperf-user-getlayout';
const QIX_NON_USER = 'qixperf-non-user-open-app';
const cfg = { tags: [{ name: 'qs_env', value: 'dev' }] };

describe('log_event → InfluxDB', () => {
  it('engine, v1: common + non-empty conditional tags, category and config tags; three string fields', () => {
    const e = rec(ENGINE);
    e.category = [{ name: 'qs_log_category', value: 'unknown' }];
    const p = logEventToInflux(e, 1, cfg);
    assert.equal(p.measurement, 'log_event');
    assert.deepEqual(p.tags, {
      host: 'qsnode-a.northwind.test',
      level: 'WARN',
      source: 'qseow-engine',
      log_row: '412',
      subsystem: 'System.Engine.Engine',
      user_full: 'NORTHWIND\\lina.berg',
      user_directory: 'NORTHWIND',
      user_id: 'lina.berg',
      windows_user: 'NORTHWIND\\svc_qliksense',
      app_id: '5d0e7c91-3b2a-4f68-9e14-c7a2b8d6f301',
      engine_exe_version: '14.173.3',
      qs_log_category: 'unknown',
      qs_env: 'dev',
    });
    assert.deepEqual(Object.keys(p.fields).sort(), ['message', 'raw_event', 'session_id']);
    assert.ok(Object.values(p.fields).every((f) => f.type === 'string'));
    assert.equal(p.timeMs, 1_700_000_000_123);
    assert.equal(p.timeNsOffset, 42);
  });

  it('engine, v3: empty optional string fields, result_code_field, sanitised tags except user_full', () => {
    const p = logEventToInflux(rec(ENGINE), 3, cfg);
    assert.deepEqual(Object.keys(p.fields).sort(), [
      'command',
      'context',
      'exception_message',
      'message',
      'origin',
      'raw_event',
      'result_code_field',
      'session_id',
    ]);
    assert.equal(p.tags.windows_user, 'NORTHWINDsvc_qliksense');
    assert.equal(p.tags.user_full, 'NORTHWIND\\lina.berg');
  });

  it('proxy: result_code tag; field result_code (v1/v2) or result_code_field (v3)', () => {
    const v1 = logEventToInflux(rec(PROXY), 1, {});
    assert.equal(v1.tags.result_code, '500');
    assert.deepEqual(v1.fields.result_code, { type: 'string', value: '500' });
    assert.equal(
      v1.fields.exception_message?.value,
      'System.IO.IOException: Unable to read data from the transport connection: the remote host closed the connection.',
    );
    const v3 = logEventToInflux(rec(PROXY), 3, {});
    assert.equal(v3.fields.result_code, undefined);
    assert.deepEqual(v3.fields.result_code_field, { type: 'string', value: '500' });
  });

  it('scheduler: task tags; app fields named app_name/app_id (v1/v2) and *_field (v3)', () => {
    const v2 = logEventToInflux(rec(SCHEDULER_ERROR), 2, {});
    assert.equal(v2.tags.task_name, 'Nightly reload - Freight costs 2025');
    assert.equal(v2.tags.app_id, undefined, 'scheduler app id is a field, not a tag');
    assert.equal(v2.fields.app_name?.value, 'Freight costs 2025');
    assert.equal(v2.fields.execution_id?.value, 'd3a7e1c8-5f92-4b06-8e4d-9c1b7a3f6e28');
    const v3 = logEventToInflux(rec(SCHEDULER_ERROR), 3, {});
    assert.equal(v3.fields.app_name_field?.value, 'Freight costs 2025');
    assert.equal(v3.fields.app_id_field?.value, '5d0e7c91-3b2a-4f68-9e14-c7a2b8d6f301');
  });

  it('qix-perf per version: v1 log_row -1 and int handle, v2 string handle, v3 int handle and app_id_field', () => {
    const v1 = logEventToInflux(rec(QIX), 1, {});
    assert.equal(v1.tags.log_row, '-1');
    assert.deepEqual(v1.fields.handle, { type: 'integer', value: 23 });
    assert.deepEqual(v1.fields.process_time, { type: 'float', value: 87.25 });
    assert.deepEqual(v1.fields.net_ram, { type: 'integer', value: 262144 });
    assert.equal(v1.tags.method, 'GenericObject::GetLayout');
    assert.equal(v1.tags.app_name, 'Freight costs 2025');
    assert.equal(v1.tags.event_activity_source, 'user');
    assert.equal(v1.fields.app_id?.value, '5d0e7c91-3b2a-4f68-9e14-c7a2b8d6f301');
    const v2 = logEventToInflux(rec(QIX), 2, {});
    assert.equal(v2.tags.log_row, '5120');
    assert.deepEqual(v2.fields.handle, { type: 'string', value: '23' });
    const v3 = logEventToInflux(rec(QIX), 3, {});
    assert.deepEqual(v3.fields.handle, { type: 'integer', value: 23 });
    assert.equal(v3.fields.app_id, undefined);
    assert.ok(v3.fields.app_id_field);
  });

  it('qix-perf: defaults for empty tag values per version; unparsable times left out', () => {
    const e = rec(QIX_NON_USER);
    assert.equal(e.source, 'qseow-qix-perf');
    if (e.source !== 'qseow-qix-perf') return;
    e.host = '';
    e.process_time = null;
    assert.equal(e.proxy_session_id, '');
    const v1 = logEventToInflux(e, 1, {});
    assert.equal(v1.tags.host, '<Unknown>');
    assert.equal(v1.tags.proxy_session_id, '-1');
    assert.equal(v1.fields.process_time, undefined);
    assert.ok(v1.fields.work_time);
    assert.equal(logEventToInflux(e, 2, {}).tags.host, '');
    const v3 = logEventToInflux(e, 3, {});
    assert.equal(v3.tags.host, 'Unknown');
    assert.equal(v3.tags.object_type, 'Unknown', '<Unknown> loses its brackets in v3');
  });

  it('raw_event is the record in upstream member order, plus category and (when MQTT is on) tags', () => {
    const e = rec(ENGINE);
    e.category = [{ name: 'qs_log_category', value: 'unknown' }];
    const raw = JSON.parse(
      String(logEventToInflux(e, 1, { ...cfg, rawEventIncludesTags: true }).fields.raw_event?.value),
    );
    const members = memberOrder(ENGINE);
    assert.deepEqual(Object.keys(raw), [...members, 'category', 'tags']);
    assert.deepEqual(raw.tags, { qs_env: 'dev' });
    const plain = JSON.parse(String(logEventToInflux(rec(ENGINE), 1, cfg).fields.raw_event?.value));
    assert.deepEqual(Object.keys(plain), members);
  });

  it('two events in one millisecond get distinct point times; mapping the same record twice gives the same point', () => {
    const clock = createEventClock(() => 5000);
    const a = rec(ENGINE, clock.next());
    const b = rec(ENGINE, clock.next());
    const pa = logEventToInflux(a, 2, cfg);
    const pb = logEventToInflux(b, 2, cfg);
    assert.deepEqual(pa.tags, pb.tags);
    assert.notDeepEqual([pa.timeMs, pa.timeNsOffset], [pb.timeMs, pb.timeNsOffset]);
    assert.deepEqual(logEventToInflux(a, 2, cfg), pa);
  });
});

describe('log events → MQTT', () => {
  const mqtt = {
    sendToMQTT: { baseTopic: 'qliksense/logevent', postTo: { baseTopic: true, subsystemTopics: true } },
    tags: [{ name: 'env', value: 'DEV' }],
  };

  it('publishes the same payload on the base topic and the lower-cased subsystem topic', () => {
    const msgs = logEventToMqtt(rec(SCHEDULER_ERROR), mqtt);
    assert.deepEqual(
      msgs.map((m) => m.topic),
      ['qliksense/logevent', 'qliksense/logevent/system/scheduler/scheduler/slave/tasks/reloadtask'],
    );
    assert.equal(msgs[0]!.payload, msgs[1]!.payload);
    const body = JSON.parse(msgs[0]!.payload);
    assert.deepEqual(Object.keys(body), [...memberOrder(SCHEDULER_ERROR), 'tags']);
    assert.deepEqual(body.tags, { env: 'DEV' });
  });

  it('qix-perf subsystem topic, base topic with trailing slash, and postTo switches', () => {
    const msgs = logEventToMqtt(rec(QIX), {
      sendToMQTT: { baseTopic: 'q/log/', postTo: { baseTopic: false, subsystemTopics: true } },
    });
    assert.deepEqual(
      msgs.map((m) => m.topic),
      ['q/log/qixperformance/engine/engine'],
    );
    assert.deepEqual(JSON.parse(msgs[0]!.payload).tags, {});
  });

  it('structured mode: one document per event on <base>/log/<source>/<level>/<host>', () => {
    const e = rec(ENGINE);
    const msgs = logEventToMqtt(e, {
      sendToMQTT: {
        baseTopic: 'qliksense/logevent',
        postTo: { baseTopic: false, subsystemTopics: false },
        structured: { enable: true, baseTopic: 'butler-sos/events/' },
      },
    });
    assert.equal(msgs.length, 1);
    assert.equal(msgs[0]!.topic, 'butler-sos/events/log/engine/warn/qsnode-a.northwind.test');
    const doc = JSON.parse(msgs[0]!.payload);
    assert.equal(doc.kind, 'log');
    assert.equal(doc.eventTime, '2024-11-05T07:30:15.120Z');
    assert.equal(doc.receivedAt, new Date(e.receivedAtMs).toISOString());
    assert.equal(doc.message, (e as { message: string }).message);
    assert.equal(doc.app_id, '5d0e7c91-3b2a-4f68-9e14-c7a2b8d6f301');
  });

  it('converts Sense timestamps to UTC and refuses others', () => {
    assert.equal(senseTimestampToIso('20241105T083015.120+0100'), '2024-11-05T07:30:15.120Z');
    assert.equal(senseTimestampToIso('2024-11-05T10:21:00.000-0230'), '2024-11-05T12:51:00.000Z');
    assert.equal(senseTimestampToIso(''), undefined);
  });

  it('payload JSON has null for unparsable perf times (upstream: NaN serialised as null)', () => {
    const e = rec(QIX);
    if (e.source === 'qseow-qix-perf') e.work_time = null;
    assert.equal(JSON.parse(logEventJson(e)).work_time, null);
  });
});

describe('log events → New Relic', () => {
  const on = { enable: true, logLevel: { error: true, warn: true } };
  const nr = {
    sendToNewRelic: {
      source: {
        engine: on,
        proxy: on,
        repository: on,
        scheduler: { enable: true, logLevel: { error: true, warn: false } },
      },
    },
    tags: [{ name: 'env', value: 'DEV' }],
    staticAttributes: [{ name: 'service', value: 'sense' }],
    butlerSosVersion: '1.2.3',
  };

  it('engine event: attributes in upstream order, present members only, then tags, statics, version', () => {
    const ev = logEventToNewRelic(rec(ENGINE), nr);
    assert.ok(ev);
    assert.equal(ev.eventType, 'qs_logEvent');
    assert.deepEqual(Object.keys(ev.attributes), [
      'qs_ts_iso',
      'qs_ts_local',
      'qs_log_source',
      'qs_log_level',
      'qs_host',
      'qs_subsystem',
      'qs_windows_user',
      'qs_message',
      'qs_user_full',
      'qs_user_directory',
      'qs_user_id',
      'qs_app_id',
      'qs_proxy_session_id',
      'qs_engine_ts',
      'qs_process_id',
      'qs_engine_exe_version',
      'qs_server_started',
      'qs_entry_type',
      'qs_session_id',
      'env',
      'service',
      'butlerSosVersion',
    ]);
  });

  it('qs_user_full is always dir\\id (\\ when both empty)', () => {
    assert.equal(logEventToNewRelic(rec(PROXY), nr)?.attributes.qs_user_full, '\\');
  });

  it('never sends qix-perf or FATAL events, and honours per-source level switches', () => {
    assert.equal(logEventToNewRelic(rec(QIX), nr), undefined);
    assert.equal(logEventToNewRelic(rec(ENGINE_FATAL), nr), undefined, 'FATAL');
    assert.equal(logEventToNewRelic(rec(SCHEDULER_WARN), nr), undefined, 'scheduler WARN switched off');
    assert.ok(logEventToNewRelic(rec(SCHEDULER_ERROR), nr), 'scheduler ERROR on');
  });
});
