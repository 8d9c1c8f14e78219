import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  scrambleUser,
  userEventToInflux,
  userEventToMqtt,
  userEventToNewRelic,
} from '../../../src/mapping/user-event.ts';
import type { UserEventRecord } from '../../../src/records/user-event.ts';
import { parseUserEventDatagram } from '../../../src/sources/user-events/parse.ts';

const apps = new Map([['5d0e7c91-3b2a-4f68-9e14-c7a2b8d6f301', 'Freight costs 2025']]);
function rec(text: string): UserEventRecord {
  const r = parseUserEventDatagram(text, {
    receivedAtMs: 1000,
    timeNsOffset: 9,
    appNameOf: (id) => apps.get(id),
  });
  assert.ok(r.ok);
  return r.event;
}
const START =
  "/qseow-proxy-session/;qsnode-a.northwind.test;Start session;NORTHWIND;lina.berg;AppAccess;/app/5d0e7c91-3b2a-4f68-9e14-c7a2b8d6f301?x=1;Start session for user 'NORTHWIND\\lina.berg' UserAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15'";
const STOP =
  "/qseow-proxy-session/;qsnode-a.northwind.test;Stop session;NORTHWIND;lina.berg;Not available;/qps/session;Stop session for user 'NORTHWIND\\lina.berg'; timed out";
const CLOSE =
  '/qseow-proxy-connection/;qsnode-b.northwind.test;Close connection;NORTHWIND;okafor;AppAccess;/hub/;closed';

describe('user_events → InfluxDB', () => {
  it('v1: tags incl. app and user agent, config tags last; userFull/userId/appId/appName fields', () => {
    const p = userEventToInflux(rec(START), 1, { tags: [{ name: 'qs_env', value: 'dev' }] });
    assert.equal(p.measurement, 'user_events');
    assert.deepEqual(p.tags, {
      host: 'qsnode-a.northwind.test',
      event_action: 'Start session',
      userFull: 'NORTHWIND\\lina.berg',
      userDirectory: 'NORTHWIND',
      userId: 'lina.berg',
      origin: 'AppAccess',
      appId: '5d0e7c91-3b2a-4f68-9e14-c7a2b8d6f301',
      appName: 'Freight costs 2025',
      uaBrowserName: 'Safari',
      uaBrowserMajorVersion: '17',
      uaOsName: 'macOS',
      uaOsVersion: '10.15.7',
      qs_env: 'dev',
    });
    assert.deepEqual(p.fields, {
      userFull: { type: 'string', value: 'NORTHWIND\\lina.berg' },
      userId: { type: 'string', value: 'lina.berg' },
      appId: { type: 'string', value: '5d0e7c91-3b2a-4f68-9e14-c7a2b8d6f301' },
      appName: { type: 'string', value: 'Freight costs 2025' },
    });
    assert.deepEqual([p.timeMs, p.timeNsOffset], [1000, 9]);
  });

  it('v2 keeps the v14 names; v3 uses _field names and sanitises tag values (not userFull)', () => {
    assert.ok(userEventToInflux(rec(START), 2, {}).fields.appName);
    const v3 = userEventToInflux(rec(START), 3, {});
    assert.deepEqual(Object.keys(v3.fields).sort(), [
      'appId_field',
      'appName_field',
      'userFull_field',
      'userId_field',
    ]);
    assert.equal(v3.tags.userFull, 'NORTHWIND\\lina.berg');
    const unknownApp = rec(
      '/qseow-proxy-session/;h;Start session;D;U;o;/app/b7e2c915-3f40-4d8a-9e61-0c5a2d7f8b34;m',
    );
    assert.equal(userEventToInflux(unknownApp, 3, {}).tags.appName, 'unknown app name');
    assert.equal(userEventToInflux(unknownApp, 1, {}).tags.appName, '<unknown app name>');
  });

  it('no app or agent: those tags and fields are absent', () => {
    const p = userEventToInflux(rec(STOP), 2, {});
    assert.equal(p.tags.appId, undefined);
    assert.equal(p.tags.uaBrowserName, undefined);
    assert.deepEqual(Object.keys(p.fields), ['userFull', 'userId']);
  });
});

describe('user events → MQTT', () => {
  const postTo = {
    everythingTopic: { enable: true, topic: 'qliksense/userevent' },
    sessionStartTopic: { enable: true, topic: 'qliksense/userevent/session/start' },
    sessionStopTopic: { enable: false, topic: 'qliksense/userevent/session/stop' },
    connectionOpenTopic: { enable: true, topic: 'qliksense/userevent/connection/open' },
    connectionCloseTopic: { enable: true, topic: 'qliksense/userevent/connection/close' },
  };

  it('everything topic plus the command topic, upstream payload key order', () => {
    const msgs = userEventToMqtt(rec(START), {
      sendToMQTT: { postTo },
      tags: [{ name: 'env', value: 'DEV' }],
    });
    assert.deepEqual(
      msgs.map((m) => m.topic),
      ['qliksense/userevent', 'qliksense/userevent/session/start'],
    );
    const body = JSON.parse(msgs[0]!.payload);
    assert.deepEqual(Object.keys(body), [
      'messageType',
      'host',
      'command',
      'userDir',
      'userId',
      'origin',
      'context',
      'message',
      'tags',
      'appId',
      'appName',
      'uaBrowserName',
      'uaBrowserMajorVersion',
      'uaOsName',
      'uaOsVersion',
    ]);
    assert.deepEqual(body.tags, { env: 'DEV' });
  });

  it('a disabled specific topic only gets the everything topic; semicolons survive in the message', () => {
    const msgs = userEventToMqtt(rec(STOP), { sendToMQTT: { postTo } });
    assert.deepEqual(
      msgs.map((m) => m.topic),
      ['qliksense/userevent'],
    );
    assert.equal(
      JSON.parse(msgs[0]!.payload).message,
      "Stop session for user 'NORTHWIND\\lina.berg'; timed out",
    );
  });

  it('structured mode topic <base>/user/<session|connection>/<action>/<host>', () => {
    const msgs = userEventToMqtt(rec(CLOSE), {
      sendToMQTT: { postTo: {}, structured: { enable: true } },
    });
    assert.equal(msgs.length, 1);
    assert.equal(msgs[0]!.topic, 'butler-sos/events/user/connection/close/qsnode-b.northwind.test');
    const doc = JSON.parse(msgs[0]!.payload);
    assert.equal(doc.user_full, 'NORTHWIND\\okafor');
    assert.equal(doc.userAgent, null);
  });
});

describe('user events → New Relic', () => {
  it('SHAKE256/8-byte scrambling (known vector for "")', () => {
    assert.equal(scrambleUser(''), '46b9dd2b0ba88d13');
    assert.match(scrambleUser('NORTHWIND\\lina.berg'), /^[0-9a-f]{16}$/);
  });

  it('attributes in upstream order; user values scrambled when configured; tags last', () => {
    const ev = userEventToNewRelic(rec(START), {
      sendToNewRelic: { scramble: true },
      tags: [{ name: 'env', value: 'DEV' }],
    });
    assert.equal(ev.eventType, 'qs_userEvent');
    assert.equal(ev.timestampMs, 1000);
    assert.deepEqual(Object.keys(ev.attributes), [
      'qs_host',
      'qs_event_action',
      'qs_userFull',
      'qs_userDirectory',
      'qs_userId',
      'qs_origin',
      'qs_appId',
      'qs_appName',
      'qs_uaBrowserName',
      'qs_uaBrowserMajorVersion',
      'qs_uaOsName',
      'qs_uaOsVersion',
      'env',
    ]);
    assert.equal(ev.attributes.qs_userFull, scrambleUser('NORTHWIND\\lina.berg'));
    assert.equal(ev.attributes.qs_userId, scrambleUser('lina.berg'));
    const clear = userEventToNewRelic(rec(START), { sendToNewRelic: { scramble: false } });
    assert.equal(clear.attributes.qs_userDirectory, 'NORTHWIND');
  });
});
