/**
 * The MQTT sink behind the shared delivery queue and a real Mosquitto that is killed and
 * restarted: messages enqueued while the broker is down arrive after it is back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mqtt, { type MqttClient } from 'mqtt';
import { createDeliveryQueue } from '../../../src/delivery/index.ts';
import { createMqttSink, type MqttSink } from '../../../src/destinations/mqtt/mqtt-sink.ts';
import { createRecordingLogger } from '../../../src/logging/logger.ts';
import type { MqttMessage } from '../../../src/mapping/shapes.ts';
import { type PrivateService, startPrivateMosquitto, uniqueName, waitFor } from '../../support/services.ts';

describe('MQTT sink with the delivery queue across a broker outage', () => {
  let broker: PrivateService;
  let sink: MqttSink;
  let subscriber: MqttClient;
  const received = new Map<string, number>();
  const base = `${uniqueName('butler-sos')}/`;

  before(async () => {
    broker = await startPrivateMosquitto();
  });
  after(async () => {
    await sink?.close();
    await subscriber?.endAsync(true);
    await broker.stop();
  });

  it('delivers messages enqueued while the broker was down once it is back', async () => {
    const log = createRecordingLogger();
    // A persistent session (clean: false, QoS 1), saved by Mosquitto when it stops, keeps
    // what is published for the subscriber while it is still reconnecting.
    subscriber = await mqtt.connectAsync(broker.url, {
      clientId: uniqueName('sub'),
      clean: false,
      reconnectPeriod: 100,
    });
    subscriber.on('message', (_topic, payload) => {
      const key = payload.toString();
      received.set(key, (received.get(key) ?? 0) + 1);
    });
    await subscriber.subscribeAsync(`${base}#`, { qos: 1 });

    sink = createMqttSink({ brokerHost: '127.0.0.1', brokerPort: broker.port, log, reconnectPeriodMs: 100 });
    await waitFor(() => sink.connected(), 5_000);
    const queue = createDeliveryQueue<MqttMessage>({
      name: 'MQTT',
      sink,
      maxQueued: 10_000,
      maxBatchSize: 100,
      flushIntervalMs: 20,
      retry: { initialMs: 50, maxMs: 200, jitter: 0.5 },
      log,
    });

    await broker.kill('SIGTERM');
    await waitFor(() => !sink.connected(), 5_000);
    const messages = Array.from({ length: 300 }, (_, i) => ({
      topic: `${base}sense${i % 3}/cpu/total`,
      payload: String(i),
    }));
    queue.enqueueMany(messages);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(queue.stats().delivered, 0);

    await broker.restart();
    await queue.flush();
    await waitFor(() => received.size === 300, 10_000);
    await queue.close(1_000);
    assert.equal(queue.stats().delivered, 300);
    assert.ok(queue.stats().retried >= 1);
    assert.ok(
      [...received.values()].every((count) => count === 1),
      'each message arrived once',
    );
  });
});
