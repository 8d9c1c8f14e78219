import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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

const fixtures = new URL('../../../../shared/fixtures/constructed', import.meta.url).pathname;
const cases: { datagram: string; parsedByUpstreamV14: Record<string, unknown> }[] = JSON.parse(
  readFileSync(`${fixtures}/log-event-datagrams.json`, 'utf8'),
).cases;
const apps = new Map([['a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d', 'Sales dashboard']]);

function rec(i: number, at = { timeMs: 1_700_000_000_123, timeNsOffset: 42 }): LogEventRecord {
  const r = parseLogEventDatagram(cases[i]!.datagram, {
    receivedAtMs: at.timeMs,
    timeNsOffset: at.timeNsOffset,
    appNameOf: (id) => apps.get(id),
  });
  assert.ok(r.ok);
  return r.event;
}
const ENGINE = 0;
const PROXY = 4;
const SCHEDULER = 9;
const QIX = 12;
const cfg = { tags: [{ name: 'qs_env', value: 'dev' }] };

describe('log_event → InfluxDB', () => {
  it('engine, v1: common + non-empty conditional tags, category and config tags; three string fields', () => {
    const e = rec(ENGINE);
    e.category = [{ name: 'qs_log_category', value: 'unknown' }];
    const p = logEventToInflux(e, 1, cfg);
    assert.equal(p.measurement, 'log_event');
    assert.deepEqual(p.tags, {
      host: 'sense-node1',
      level: 'WARN',
      source: 'qseow-engine',
      log_row: '1234',
      subsystem: 'System.Engine.Engine',
      user_full: 'CORP\\anna',
      user_directory: 'CORP',
      user_id: 'anna',
      windows_user: 'CORP\\qlikservice',
      app_id: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
      engine_exe_version: '14.187.4',
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
    assert.equal(p.tags.windows_user, 'CORPqlikservice');
    assert.equal(p.tags.user_full, 'CORP\\anna');
  });

  it('proxy: result_code tag; field result_code (v1/v2) or result_code_field (v3)', () => {
    const v1 = logEventToInflux(rec(PROXY), 1, {});
    assert.equal(v1.tags.result_code, '502');
    assert.deepEqual(v1.fields.result_code, { type: 'string', value: '502' });
    assert.equal(
      v1.fields.exception_message?.value,
      'System.Net.WebException: The remote server returned an error: (502) Bad Gateway.',
    );
    const v3 = logEventToInflux(rec(PROXY), 3, {});
    assert.equal(v3.fields.result_code, undefined);
    assert.deepEqual(v3.fields.result_code_field, { type: 'string', value: '502' });
  });

  it('scheduler: task tags; app fields named app_name/app_id (v1/v2) and *_field (v3)', () => {
    const v2 = logEventToInflux(rec(SCHEDULER), 2, {});
    assert.equal(v2.tags.task_name, 'Reload of Sales dashboard');
    assert.equal(v2.tags.app_id, undefined, 'scheduler app id is a field, not a tag');
    assert.equal(v2.fields.app_name?.value, 'Sales dashboard');
    assert.equal(v2.fields.execution_id?.value, '3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a6b');
    const v3 = logEventToInflux(rec(SCHEDULER), 3, {});
    assert.equal(v3.fields.app_name_field?.value, 'Sales dashboard');
    assert.equal(v3.fields.app_id_field?.value, 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d');
  });

  it('qix-perf per version: v1 log_row -1 and int handle, v2 string handle, v3 int handle and app_id_field', () => {
    const v1 = logEventToInflux(rec(QIX), 1, {});
    assert.equal(v1.tags.log_row, '-1');
    assert.deepEqual(v1.fields.handle, { type: 'integer', value: 17 });
    assert.deepEqual(v1.fields.process_time, { type: 'float', value: 231.5 });
    assert.deepEqual(v1.fields.net_ram, { type: 'integer', value: 524288 });
    assert.equal(v1.tags.method, 'GenericObject::GetLayout');
    assert.equal(v1.tags.app_name, 'Sales dashboard');
    assert.equal(v1.tags.event_activity_source, 'user');
    assert.equal(v1.fields.app_id?.value, 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d');
    const v2 = logEventToInflux(rec(QIX), 2, {});
    assert.equal(v2.tags.log_row, '3021');
    assert.deepEqual(v2.fields.handle, { type: 'string', value: '17' });
    const v3 = logEventToInflux(rec(QIX), 3, {});
    assert.deepEqual(v3.fields.handle, { type: 'integer', value: 17 });
    assert.equal(v3.fields.app_id, undefined);
    assert.ok(v3.fields.app_id_field);
  });

  it('qix-perf: defaults for empty tag values per version; unparsable times left out', () => {
    const e = rec(QIX + 1);
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
    const upstream = cases[ENGINE]!.parsedByUpstreamV14;
    assert.deepEqual(Object.keys(raw), [...Object.keys(upstream), 'category', 'tags']);
    assert.deepEqual(raw.tags, { qs_env: 'dev' });
    const plain = JSON.parse(String(logEventToInflux(rec(ENGINE), 1, cfg).fields.raw_event?.value));
    assert.deepEqual(Object.keys(plain), Object.keys(upstream));
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
    const msgs = logEventToMqtt(rec(SCHEDULER), mqtt);
    assert.deepEqual(
      msgs.map((m) => m.topic),
      ['qliksense/logevent', 'qliksense/logevent/system/scheduler/scheduler/slave/tasks/reloadtask'],
    );
    assert.equal(msgs[0]!.payload, msgs[1]!.payload);
    const body = JSON.parse(msgs[0]!.payload);
    assert.deepEqual(Object.keys(body), [...Object.keys(cases[SCHEDULER]!.parsedByUpstreamV14), 'tags']);
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
    assert.equal(msgs[0]!.topic, 'butler-sos/events/log/engine/warn/sense-node1');
    const doc = JSON.parse(msgs[0]!.payload);
    assert.equal(doc.kind, 'log');
    assert.equal(doc.eventTime, '2025-03-14T09:15:12.345Z');
    assert.equal(doc.receivedAt, new Date(e.receivedAtMs).toISOString());
    assert.equal(doc.message, (e as { message: string }).message);
    assert.equal(doc.app_id, 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d');
  });

  it('converts Sense timestamps to UTC and refuses others', () => {
    assert.equal(senseTimestampToIso('20250314T101512.345+0100'), '2025-03-14T09:15:12.345Z');
    assert.equal(senseTimestampToIso('2025-03-14T10:21:00.000-0230'), '2025-03-14T12:51:00.000Z');
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
    assert.equal(logEventToNewRelic(rec(2), nr), undefined, 'FATAL');
    assert.equal(logEventToNewRelic(rec(SCHEDULER + 1), nr), undefined, 'scheduler WARN switched off');
    assert.ok(logEventToNewRelic(rec(SCHEDULER), nr), 'scheduler ERROR on');
  });
});
