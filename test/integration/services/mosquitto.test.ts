import assert from 'node:assert/strict';
import { test } from 'node:test';
import mqtt from 'mqtt';
import { sharedServices, uniqueName } from '../../support/services.ts';

test('Mosquitto delivers a published message to a subscriber', async () => {
  const { mosquittoUrl } = sharedServices();
  const topic = `butler-sos-test/${uniqueName('roundtrip')}`;
  const subscriber = await mqtt.connectAsync(mosquittoUrl, { reconnectPeriod: 0 });
  const publisher = await mqtt.connectAsync(mosquittoUrl, { reconnectPeriod: 0 });
  try {
    await subscriber.subscribeAsync(topic, { qos: 1 });
    const received = new Promise<[string, Buffer]>((resolve) =>
      subscriber.once('message', (receivedTopic, receivedPayload) =>
        resolve([receivedTopic, receivedPayload]),
      ),
    );
    const payload = JSON.stringify({ sent: Date.now() });
    await publisher.publishAsync(topic, payload, { qos: 1 });
    const [receivedTopic, receivedPayload] = await received;
    assert.equal(receivedTopic, topic);
    assert.equal(receivedPayload.toString(), payload);
  } finally {
    await Promise.all([subscriber.endAsync(), publisher.endAsync()]);
  }
});
