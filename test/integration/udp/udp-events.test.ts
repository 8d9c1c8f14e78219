/**
 * Simulator → UDP listeners → parse/map → real InfluxDB 1.x and Mosquitto: every datagram is
 * accounted for (forwarded or rejected by reason), every forwarded event is its own InfluxDB
 * point (none collapse, even thousands within a few milliseconds), the real server accepts
 * the names and types, and the structured MQTT topics can be filtered by source/level/host.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mqtt from 'mqtt';
import { startEmitter } from '../../../sim/emitter.ts';
import { EventFactory } from '../../../sim/events.ts';
import { ServerModel } from '../../../sim/model.ts';
import { createRandom } from '../../../sim/random.ts';
import { encodeLines } from '../../../src/destinations/influxdb/line-protocol.ts';
import { createRecordingLogger } from '../../../src/logging/logger.ts';
import { logEventToInflux, logEventToMqtt } from '../../../src/mapping/log-event.ts';
import type { InfluxPoint, MqttMessage } from '../../../src/mapping/shapes.ts';
import { userEventToInflux, userEventToMqtt } from '../../../src/mapping/user-event.ts';
import { EventCounters } from '../../../src/records/event-counts.ts';
import { createLogEventHandler } from '../../../src/sources/log-events/handler.ts';
import { createUserEventHandler } from '../../../src/sources/user-events/handler.ts';
import { startUdpListener, type UdpListener } from '../../../src/udp/listener.ts';
import { queryInflux, sharedServices, uniqueName, waitFor } from '../../support/services.ts';

const LOG_EVENTS = 3000;
const USER_EVENTS = 600;

describe('UDP events end to end (simulator → InfluxDB 1.x + Mosquitto)', () => {
  const services = sharedServices();
  const db = uniqueName('udp');
  const base = `test/${uniqueName('events')}`;
  const log = createRecordingLogger();
  const points: InfluxPoint[] = [];
  const published: MqttMessage[] = [];
  const received: string[] = [];
  const listeners: UdpListener[] = [];
  let client: mqtt.MqttClient;
  let logHandler: ReturnType<typeof createLogEventHandler>;
  let userHandler: ReturnType<typeof createUserEventHandler>;
  const counters = new EventCounters();

  before(async () => {
    await queryInflux(services.influxdbUrl, db, `CREATE DATABASE "${db}"`);
    client = await mqtt.connectAsync(services.mosquittoUrl);
    await client.subscribeAsync(`${base}/#`);
    client.on('message', (topic) => received.push(topic));

    const on = { enable: true };
    const tags = [{ name: 'qs_env', value: 'it' }];
    const logMqtt = {
      sendToMQTT: {
        baseTopic: `${base}/logevent`,
        postTo: { baseTopic: false, subsystemTopics: false },
        structured: { enable: true, baseTopic: `${base}/events` },
      },
      tags,
    };
    logHandler = createLogEventHandler({
      source: { engine: on, proxy: on, repository: on, scheduler: on, qixPerf: on },
      enginePerformanceMonitor: {
        enable: true,
        appNameLookup: on,
        monitorFilter: { allApps: { enable: true, objectType: null, method: null } },
      },
      categorise: {
        enable: true,
        rules: [],
        ruleDefault: { enable: true, category: [{ name: 'qs_log_category', value: 'unknown' }] },
      },
      eventCounters: counters,
      emit: (e) => {
        points.push(logEventToInflux(e, 1, { tags, rawEventIncludesTags: true }));
        published.push(...logEventToMqtt(e, logMqtt));
      },
      log,
    });
    userHandler = createUserEventHandler({
      eventCounters: counters,
      emit: (e) => {
        points.push(userEventToInflux(e, 1, { tags }));
        published.push(
          ...userEventToMqtt(e, {
            sendToMQTT: { postTo: {}, structured: { enable: true, baseTopic: `${base}/events` } },
          }),
        );
      },
      log,
    });
    const common = {
      host: '127.0.0.1',
      port: 0,
      receiveBufferBytes: 8 << 20,
      maxMessageSize: 65507,
      queue: { maxConcurrent: 10, maxSize: 200, backpressureThreshold: 80 },
      log,
    };
    listeners.push(
      await startUdpListener({
        ...common,
        name: 'log_events',
        onDatagram: (b, r, s) => logHandler.handle(b, r, s),
      }),
      await startUdpListener({
        ...common,
        name: 'user_events',
        onDatagram: (b, r, s) => userHandler.handle(b, r, s),
      }),
    );
  });

  after(async () => {
    for (const l of listeners) await l.close();
    await client?.endAsync();
    await queryInflux(services.influxdbUrl, db, `DROP DATABASE "${db}"`).catch(() => {});
  });

  it('accounts for every datagram and stores every event as its own point', async () => {
    const rng = createRandom(4242);
    const models = [0, 1, 2].map(
      (i) => new ServerModel(i, `sense-node-${i + 1}`, ['/'], rng, new Date(2025, 2, 10)),
    );
    const emitter = await startEmitter(
      {
        udpLog: { host: '127.0.0.1', port: listeners[0]!.address().port },
        udpUser: { host: '127.0.0.1', port: listeners[1]!.address().port },
        rate: 0,
        badFraction: 0.05,
      },
      new EventFactory(models, rng),
      rng,
    );
    await emitter.sendLogEvents(LOG_EVENTS);
    await emitter.sendUserEvents(USER_EVENTS);
    const stats = emitter.stats();
    const sent = { logDatagrams: stats.logDatagrams ?? 0, userDatagrams: stats.userDatagrams ?? 0 };
    assert.equal(sent.logDatagrams, LOG_EVENTS);
    assert.equal(sent.userDatagrams, USER_EVENTS);
    await emitter.stop();

    // Every datagram sent was received (nothing lost in the kernel on loopback with a large buffer).
    await waitFor(
      () =>
        listeners[0]!.stats().received === sent.logDatagrams &&
        listeners[1]!.stats().received === sent.userDatagrams,
    );
    for (const l of listeners) assert.equal(l.stats().kernelDrops ?? 0, 0);

    // …and each one was either forwarded or rejected with a reason.
    const ls = logHandler.stats();
    const us = userHandler.stats();
    const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
    assert.equal(ls.emitted + sum(ls.rejected), sent.logDatagrams);
    assert.equal(us.emitted + sum(us.rejected), sent.userDatagrams);
    assert.ok(sum(ls.rejected) > 0 && sum(us.rejected) > 0, 'the malformed datagrams were rejected');
    const counted = counters.take(Date.now()).counts.reduce((a, c) => a + c.counter, 0);
    assert.equal(counted, sent.logDatagrams + sent.userDatagrams, 'event counts cover every datagram');

    // Real InfluxDB 1.x accepts the v1 names and types, and no two events share a point.
    const lines = encodeLines(points);
    for (let i = 0; i < lines.length; i += 5000) {
      const res = await fetch(`${services.influxdbUrl}/write?db=${db}&precision=ns`, {
        method: 'POST',
        body: lines.slice(i, i + 5000).join('\n'),
      });
      assert.equal(res.status, 204, await res.text());
    }
    const count = async (q: string) => {
      const series = await queryInflux(services.influxdbUrl, db, q);
      return Number(series[0]?.values[0]?.[1] ?? 0);
    };
    assert.equal(await count('SELECT count(raw_event) FROM log_event'), ls.emitted);
    assert.equal(await count('SELECT count(userFull) FROM user_events'), us.emitted);

    // Structured MQTT: one message per event, filterable by source/level/host.
    await Promise.all(published.map((m) => client.publishAsync(m.topic, m.payload, { qos: 1 })));
    await waitFor(() => received.length >= ls.emitted + us.emitted || undefined, 10_000);
    assert.equal(received.length, published.length);
    const engineErrors = received.filter((t) => t.startsWith(`${base}/events/log/engine/error/`)).length;
    assert.ok(engineErrors > 0);
    assert.ok(received.every((t) => /\/events\/(log|user)\/[^/]+\/[^/]+\/[^/]+$/.test(t)));
  });
});
