/**
 * The MQTT sink against a scripted in-process broker (mqtt-packet over TCP) that can hold
 * back acknowledgements: a write without PUBACKs fails as retryable after the publish
 * timeout, and mqtt.js does not resend those messages by itself after reconnecting (the
 * delivery layer's retry is the only resend).
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { generate, type Packet, parser } from 'mqtt-packet';
import { DeliveryError } from '../../../../src/delivery/types.ts';
import { createMqttSink, mqttMessageProblem } from '../../../../src/destinations/mqtt/mqtt-sink.ts';
import { createRecordingLogger } from '../../../../src/logging/logger.ts';
import type { MqttMessage } from '../../../../src/mapping/shapes.ts';

interface Published {
  topic: string;
  payload: string;
  dup: boolean;
  qos: number;
}

function scriptedBroker() {
  const published: Published[] = [];
  const sockets = new Set<net.Socket>();
  const control = { ack: false, connects: 0 };
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const parse = parser({ protocolVersion: 4 });
    parse.on('packet', (packet: Packet) => {
      if (packet.cmd === 'connect') {
        control.connects++;
        socket.write(generate({ cmd: 'connack', returnCode: 0, sessionPresent: false }));
      } else if (packet.cmd === 'publish') {
        published.push({
          topic: packet.topic,
          payload: packet.payload.toString(),
          dup: packet.dup,
          qos: packet.qos,
        });
        if (control.ack && packet.qos === 1)
          socket.write(generate({ cmd: 'puback', messageId: packet.messageId }));
      } else if (packet.cmd === 'pingreq') {
        socket.write(generate({ cmd: 'pingresp' }));
      }
    });
    socket.on('data', (chunk) => parse.parse(chunk));
  });
  return {
    published,
    control,
    listen: () =>
      new Promise<number>((resolve) =>
        server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
      ),
    dropConnections: () => {
      for (const socket of sockets) socket.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const until = async (condition: () => boolean, timeoutMs = 5_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('MQTT sink acknowledgements', () => {
  const broker = scriptedBroker();
  let port = 0;
  before(async () => {
    port = await broker.listen();
  });
  after(() => broker.close());

  it('fails a write as retryable when the broker does not acknowledge, without resends after reconnect', async () => {
    const log = createRecordingLogger();
    const sink = createMqttSink({
      brokerHost: '127.0.0.1',
      brokerPort: port,
      log,
      publishTimeoutMs: 300,
      reconnectPeriodMs: 100,
    });
    try {
      await until(() => sink.connected());
      const batch: MqttMessage[] = [
        { topic: 'butler-sos/a', payload: '1' },
        { topic: 'butler-sos/b', payload: '2' },
      ];
      await assert.rejects(sink.write(batch), (error: unknown) => {
        assert.ok(error instanceof DeliveryError);
        assert.equal(error.kind, 'retryable');
        assert.match(error.message, /not acknowledged/);
        return true;
      });
      assert.equal(broker.published.length, 2);

      broker.control.ack = true;
      const connectsBefore = broker.control.connects;
      broker.dropConnections();
      await until(() => broker.control.connects > connectsBefore && sink.connected());
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(
        broker.published.filter((p) => p.dup).length,
        0,
        'mqtt.js resent unacknowledged messages by itself',
      );
      assert.equal(broker.published.length, 2);

      await sink.write(batch);
      assert.deepEqual(
        broker.published.slice(2).map((p) => [p.topic, p.payload, p.qos]),
        [
          ['butler-sos/a', '1', 1],
          ['butler-sos/b', '2', 1],
        ],
      );
      assert.equal(sink.stats().published, 2);
      assert.equal(sink.stats().failed, 2);
      assert.equal(sink.stats().disconnects, 1);
    } finally {
      await sink.close();
    }
  });

  it('QoS 0 resolves once the messages are written to the socket', async () => {
    broker.control.ack = false;
    const sink = createMqttSink({
      brokerHost: '127.0.0.1',
      brokerPort: port,
      log: createRecordingLogger(),
      qos: 0,
    });
    try {
      await until(() => sink.connected());
      const before = broker.published.length;
      await sink.write([{ topic: 'butler-sos/q0', payload: 'zero' }]);
      await until(() => broker.published.length > before);
      assert.deepEqual(broker.published.at(-1), {
        topic: 'butler-sos/q0',
        payload: 'zero',
        dup: false,
        qos: 0,
      });
    } finally {
      await sink.close();
    }
  });

  it('fails fast as retryable when the broker cannot be reached, logging it once', async () => {
    const closed = net.createServer();
    const deadPort = await new Promise<number>((resolve) =>
      closed.listen(0, '127.0.0.1', () => resolve((closed.address() as net.AddressInfo).port)),
    );
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const log = createRecordingLogger();
    const sink = createMqttSink({
      brokerHost: '127.0.0.1',
      brokerPort: deadPort,
      log,
      reconnectPeriodMs: 50,
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 400));
      await assert.rejects(sink.write([{ topic: 't', payload: 'p' }]), (error: unknown) => {
        assert.ok(error instanceof DeliveryError);
        assert.equal(error.kind, 'retryable');
        assert.match(error.message, new RegExp(`mqtt://127.0.0.1:${deadPort}`));
        return true;
      });
      assert.equal(log.lines.filter((l) => l.level === 'warn').length, 1);
    } finally {
      await sink.close();
    }
  });
});

describe('mqttMessageProblem', () => {
  it('accepts plain topics and refuses empty, wildcard and non-string ones', () => {
    assert.equal(mqttMessageProblem({ topic: 'butler-sos/sense1/cpu/total', payload: '3.5' }), undefined);
    assert.match(mqttMessageProblem({ topic: '', payload: 'x' }) ?? '', /empty/);
    assert.match(mqttMessageProblem({ topic: 'a/+/b', payload: 'x' }) ?? '', /wildcard/);
    assert.match(mqttMessageProblem({ topic: 'a/#', payload: 'x' }) ?? '', /wildcard/);
    assert.match(mqttMessageProblem({ topic: 'a', payload: 3 as unknown as string }) ?? '', /payload/);
  });
});

describe('MQTT sink options', () => {
  it('refuses a missing host, a bad port and a bad QoS with a clear error', () => {
    const log = createRecordingLogger();
    assert.throws(() => createMqttSink({ brokerHost: '', brokerPort: 1883, log }), /brokerHost is empty/);
    assert.throws(
      () => createMqttSink({ brokerHost: 'broker', brokerPort: 0, log }),
      /brokerPort must be a port number/,
    );
    assert.throws(
      () => createMqttSink({ brokerHost: 'broker', brokerPort: '1883' as unknown as number, log }),
      /brokerPort must be a port number/,
    );
    assert.throws(
      () => createMqttSink({ brokerHost: 'broker', brokerPort: 1883, qos: 3 as 0, log }),
      /QoS must be 0, 1 or 2/,
    );
  });
});
