/** The codes of the MQTT sink's errors that need no broker. */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { mqttErrorCode } from '../../../../src/destinations/mqtt/broker-link.ts';
import { createMqttSink } from '../../../../src/destinations/mqtt/mqtt-sink.ts';
import { createRecordingLogger } from '../../../../src/logging/logger.ts';
import { deliveryErrorOf } from '../../../support/delivery-errors.ts';

describe('MQTT sink error codes', () => {
  it('a port nobody listens on is refused; invalid messages and a closed sink have their own codes', async () => {
    const closed = net.createServer();
    const deadPort = await new Promise<number>((resolve) =>
      closed.listen(0, '127.0.0.1', () => resolve((closed.address() as net.AddressInfo).port)),
    );
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const sink = createMqttSink({
      brokerHost: '127.0.0.1',
      brokerPort: deadPort,
      log: createRecordingLogger(),
      reconnectPeriodMs: 50,
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const refused = await deliveryErrorOf(sink.write([{ topic: 't', payload: 'p' }]));
      assert.deepEqual([refused.kind, refused.code], ['retryable', 'refused']);
      const invalid = await deliveryErrorOf(sink.write([{ topic: 'a/#', payload: 'p' }]));
      assert.deepEqual([invalid.kind, invalid.code], ['rejected', 'invalid']);
    } finally {
      await sink.close();
    }
    assert.equal((await deliveryErrorOf(sink.write([{ topic: 't', payload: 'p' }]))).code, 'closed');
  });

  it('reads CONNACK refusals by their return code', () => {
    const connack = (rc: number) => Object.assign(new Error('Connection refused'), { code: rc });
    assert.equal(mqttErrorCode(connack(5)), 'auth');
    assert.equal(mqttErrorCode(connack(4)), 'auth');
    assert.equal(mqttErrorCode(connack(3)), 'server_error');
    assert.equal(mqttErrorCode(connack(2)), 'refused');
    assert.equal(mqttErrorCode(Object.assign(new Error('x'), { code: 'ENOTFOUND' })), 'host_not_found');
  });
});
