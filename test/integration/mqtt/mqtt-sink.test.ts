/**
 * The MQTT sink against a private, real Mosquitto: QoS 1 publish and receive, a write
 * refused while the broker is down, reconnect after a broker restart.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mqtt, { type MqttClient } from 'mqtt';
import { DeliveryError } from '../../../src/delivery/types.ts';
import { createMqttSink, type MqttSink } from '../../../src/destinations/mqtt/mqtt-sink.ts';
import { createRecordingLogger } from '../../../src/logging/logger.ts';
import type { MqttMessage } from '../../../src/mapping/shapes.ts';
import { type PrivateService, startPrivateMosquitto, uniqueName, waitFor } from '../../support/services.ts';

interface Received {
  topic: string;
  payload: string;
  qos: number;
}

/** A subscriber on `<base>#` that records what it receives. */
async function subscribe(url: string, base: string): Promise<{ client: MqttClient; received: Received[] }> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 200 });
  const received: Received[] = [];
  client.on('message', (topic, payload, packet) =>
    received.push({ topic, payload: payload.toString(), qos: packet.qos }),
  );
  // Resubscribe after a broker restart (clean session).
  client.on('connect', () => client.subscribe(`${base}#`, { qos: 1 }));
  await client.subscribeAsync(`${base}#`, { qos: 1 });
  return { client, received };
}

describe('MQTT sink against Mosquitto', () => {
  let broker: PrivateService;
  let sink: MqttSink;
  let subscriber: { client: MqttClient; received: Received[] };
  const log = createRecordingLogger();
  const base = `${uniqueName('butler-sos')}/`;

  before(async () => {
    broker = await startPrivateMosquitto();
    sink = createMqttSink({ brokerHost: '127.0.0.1', brokerPort: broker.port, log, reconnectPeriodMs: 200 });
    subscriber = await subscribe(broker.url, base);
    await waitFor(() => sink.connected(), 5_000);
  });

  after(async () => {
    await sink.close();
    await subscriber.client.endAsync(true);
    await broker.stop();
  });

  it('publishes every message with QoS 1 and resolves once the broker acknowledged them', async () => {
    const messages: MqttMessage[] = [
      { topic: `${base}sense1/mem/comitted`, payload: '1234.5' },
      { topic: `${base}sense1/saturated`, payload: 'false' },
      { topic: `${base}sense1/usersession/`, payload: JSON.stringify([{ UserId: 'jdoe' }], null, 2) },
    ];
    await sink.write(messages);
    const received = await waitFor(() => (subscriber.received.length >= 3 ? subscriber.received : undefined));
    assert.deepEqual(
      received.map((r) => [r.topic, r.payload]).sort(),
      messages.map((m) => [m.topic, m.payload]).sort(),
    );
    assert.ok(received.every((r) => r.qos === 1));
    assert.equal(sink.stats().published, 3);
  });

  it('refuses a batch with a wildcard topic before publishing, naming the bad items', async () => {
    subscriber.received.length = 0;
    const batch: MqttMessage[] = [
      { topic: `${base}ok`, payload: 'yes' },
      { topic: `${base}bad/#`, payload: 'no' },
    ];
    await assert.rejects(sink.write(batch), (error: unknown) => {
      assert.ok(error instanceof DeliveryError);
      assert.equal(error.kind, 'rejected');
      assert.deepEqual(error.badItems, [1]);
      assert.match(error.message, /wildcard/);
      return true;
    });
    assert.equal(sink.stats().invalid, 1);
    // The delivery queue then writes the good rest.
    await sink.write(batch.filter((_, index) => index !== 1));
    const received = await waitFor(() => subscriber.received.find((r) => r.topic === `${base}ok`));
    assert.equal(received.payload, 'yes');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(subscriber.received.length, 1, 'nothing was published by the refused write');
  });

  it('rejects writes as retryable while the broker is down, and delivers again after it restarts', async () => {
    await broker.kill('SIGKILL');
    await waitFor(() => !sink.connected(), 5_000);
    await assert.rejects(sink.write([{ topic: `${base}down`, payload: 'x' }]), (error: unknown) => {
      assert.ok(error instanceof DeliveryError);
      assert.equal(error.kind, 'retryable');
      assert.match(error.message, /not connected/);
      return true;
    });
    assert.ok(log.lines.some((l) => l.level === 'warn' && /lost connection/.test(l.message)));

    await broker.restart();
    await waitFor(() => sink.connected(), 10_000);
    await waitFor(() => subscriber.client.connected, 10_000);
    subscriber.received.length = 0;
    // The subscriber resubscribes on reconnect; retry until its subscription is back.
    await waitFor(
      async () => {
        await sink.write([{ topic: `${base}after-restart`, payload: 'back' }]);
        return subscriber.received.find((r) => r.topic === `${base}after-restart`);
      },
      10_000,
      300,
    );
    assert.ok(sink.stats().connects >= 2);
    assert.equal(sink.stats().disconnects, 1);
    const lostLines = log.lines.filter((l) => /lost connection/.test(l.message));
    assert.equal(lostLines.length, 1, 'a lost connection is logged once, not once per reconnect attempt');
  });

  it('a retry of an already acknowledged batch publishes nothing again', async () => {
    subscriber.received.length = 0;
    const batch: MqttMessage[] = Array.from({ length: 50 }, (_, i) => ({
      topic: `${base}batch/${i}`,
      payload: String(i),
    }));
    await sink.write(batch);
    // A retry of the same (fully acknowledged) batch sends nothing more.
    await sink.write(batch);
    await waitFor(() => subscriber.received.length >= 50);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(subscriber.received.length, 50);
  });
});
