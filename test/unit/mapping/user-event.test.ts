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

const apps = new Map([['a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d', 'Sales dashboard']]);
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
  "/qseow-proxy-session/;sense-node1;Start session;CORP;anna;AppAccess;/app/a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d?x=1;Start session for user 'CORP\\anna' UserAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15'";
const STOP =
  "/qseow-proxy-session/;sense-node1;Stop session;CORP;anna;Not available;/qps/session;Stop session for user 'CORP\\anna'; timed out";
const CLOSE = '/qseow-proxy-connection/;sense-node2;Close connection;CORP;peter;AppAccess;/hub/;closed';

describe('user_events → InfluxDB', () => {
  it('v1: tags incl. app and user agent, config tags last; userFull/userId/appId/appName fields', () => {
    const p = userEventToInflux(rec(START), 1, { tags: [{ name: 'qs_env', value: 'dev' }] });
    assert.equal(p.measurement, 'user_events');
    assert.deepEqual(p.tags, {
      host: 'sense-node1',
      event_action: 'Start session',
      userFull: 'CORP\\anna',
      userDirectory: 'CORP',
      userId: 'anna',
      origin: 'AppAccess',
      appId: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
      appName: 'Sales dashboard',
      uaBrowserName: 'Safari',
      uaBrowserMajorVersion: '17',
      uaOsName: 'macOS',
      uaOsVersion: '10.15.7',
      qs_env: 'dev',
    });
    assert.deepEqual(p.fields, {
      userFull: { type: 'string', value: 'CORP\\anna' },
      userId: { type: 'string', value: 'anna' },
      appId: { type: 'string', value: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d' },
      appName: { type: 'string', value: 'Sales dashboard' },
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
    assert.equal(v3.tags.userFull, 'CORP\\anna');
    const unknownApp = rec(
      '/qseow-proxy-session/;h;Start session;D;U;o;/app/ffffffff-0000-4000-8000-000000000000;m',
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
    assert.equal(JSON.parse(msgs[0]!.payload).message, "Stop session for user 'CORP\\anna'; timed out");
  });

  it('structured mode topic <base>/user/<session|connection>/<action>/<host>', () => {
    const msgs = userEventToMqtt(rec(CLOSE), {
      sendToMQTT: { postTo: {}, structured: { enable: true } },
    });
    assert.equal(msgs.length, 1);
    assert.equal(msgs[0]!.topic, 'butler-sos/events/user/connection/close/sense-node2');
    const doc = JSON.parse(msgs[0]!.payload);
    assert.equal(doc.user_full, 'CORP\\peter');
    assert.equal(doc.userAgent, null);
  });
});

describe('user events → New Relic', () => {
  it('SHAKE256/8-byte scrambling (known vector for "")', () => {
    assert.equal(scrambleUser(''), '46b9dd2b0ba88d13');
    assert.match(scrambleUser('CORP\\anna'), /^[0-9a-f]{16}$/);
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
    assert.equal(ev.attributes.qs_userFull, scrambleUser('CORP\\anna'));
    assert.equal(ev.attributes.qs_userId, scrambleUser('anna'));
    const clear = userEventToNewRelic(rec(START), { sendToNewRelic: { scramble: false } });
    assert.equal(clear.attributes.qs_userDirectory, 'CORP');
  });
});
