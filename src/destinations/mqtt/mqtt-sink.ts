/**
 * The MQTT sink: publishes mapped messages (topic + UTF-8 payload) to one broker.
 *
 * Upstream publishes with QoS 0 and lets mqtt.js queue messages in memory while offline
 * (docs/reference/mqtt.md#quality-of-service), so nothing tells it whether a message arrived.
 * Here the delivery layer owns queueing and retry, so this sink publishes with QoS 1 by
 * default, resolves a write only when the broker acknowledged every message, and rejects a
 * write at once while disconnected (mqtt.js keeps reconnecting in the background every second,
 * as upstream). Messages unacknowledged when the connection drops are taken out of mqtt.js's
 * store, so that the delivery layer's retry is the only resend.
 *
 * Parts: `broker-link.ts` keeps the connection and its state, `publish.ts` publishes a batch
 * and waits for its acknowledgements, this module checks messages and counts outcomes.
 */
import { DeliveryError } from '../../delivery/types.ts';
import type { Logger } from '../../logging/logger.ts';
import type { MqttMessage } from '../../mapping/shapes.ts';
import { BrokerLink } from './broker-link.ts';
import { publishBatch } from './publish.ts';

export interface MqttSinkOptions {
  /** `mqttConfig.brokerHost` */
  brokerHost: string;
  /** `mqttConfig.brokerPort` (template 1883) */
  brokerPort: number;
  /** Default 1: the broker acknowledges each message (upstream: 0). */
  qos?: 0 | 1 | 2;
  /** Default: mqtt.js's `mqttjs_` + 8 random hex characters, as upstream. */
  clientId?: string;
  /** Default 1000 ms, as upstream. */
  reconnectPeriodMs?: number;
  /** Default 30 000 ms, as upstream. */
  connectTimeoutMs?: number;
  /** A write not acknowledged within this time fails as retryable. Default 10 000 ms. */
  publishTimeoutMs?: number;
  log: Logger;
}

export interface MqttSinkStats {
  connected: boolean;
  /** Messages the broker acknowledged (QoS 0: handed to the socket). */
  published: number;
  /** Messages of failed writes (disconnected, timeout, publish error). */
  failed: number;
  /** Messages refused before sending (invalid topic or payload). */
  invalid: number;
  /** Successful connections, the first included. */
  connects: number;
  /** Lost connections. */
  disconnects: number;
}

export interface MqttSink {
  /**
   * Publishes every message; resolves when all were acknowledged. Throws the delivery
   * layer's DeliveryError; `signal` aborts the wait for acknowledgements.
   */
  write(messages: readonly MqttMessage[], signal?: AbortSignal): Promise<void>;
  /** Disconnects (waits up to 2 s for in-flight acknowledgements). */
  close(): Promise<void>;
  connected(): boolean;
  stats(): MqttSinkStats;
}

const MAX_TOPIC_BYTES = 65_535;

/** Why a message cannot be published, or undefined when it can. */
export function mqttMessageProblem(message: MqttMessage): string | undefined {
  if (typeof message?.topic !== 'string' || message.topic.length === 0) return 'topic is empty';
  if (/[+#]/.test(message.topic) || message.topic.includes('\u0000'))
    return 'topic contains a wildcard (+ or #) or a NUL character';
  if (Buffer.byteLength(message.topic) > MAX_TOPIC_BYTES) return 'topic is longer than 65535 bytes';
  if (typeof message.payload !== 'string') return 'payload is not a string';
  return undefined;
}

export function createMqttSink(options: MqttSinkOptions): MqttSink {
  const qos = options.qos ?? 1;
  const brokerUrl = checkedBrokerUrl(options, qos);
  const publishTimeoutMs = options.publishTimeoutMs ?? 10_000;
  const counters = { published: 0, failed: 0, invalid: 0 };
  /** Indexes of a batch already acknowledged, so a retry of the same batch skips them. */
  const acknowledged = new WeakMap<readonly MqttMessage[], Set<number>>();
  const link = new BrokerLink({
    brokerUrl,
    ...(options.clientId ? { clientId: options.clientId } : {}),
    reconnectPeriodMs: options.reconnectPeriodMs ?? 1_000,
    connectTimeoutMs: options.connectTimeoutMs ?? 30_000,
    log: options.log,
  });

  async function write(messages: readonly MqttMessage[], signal?: AbortSignal): Promise<void> {
    if (link.closed)
      throw new DeliveryError(`MQTT: sink for ${brokerUrl} is closed`, { kind: 'retryable', code: 'closed' });
    const refused = invalidMessagesError(messages);
    if (refused) {
      counters.invalid += refused.badItems?.length ?? 0;
      throw refused;
    }
    const done = acknowledged.get(messages) ?? new Set<number>();
    acknowledged.set(messages, done);
    const toSend = messages.map((_, index) => index).filter((index) => !done.has(index));
    if (toSend.length === 0) return;
    if (signal?.aborted)
      throw new DeliveryError('MQTT: write aborted', { kind: 'retryable', code: 'aborted' });
    if (!link.client.connected) {
      counters.failed += toSend.length;
      const problem = link.lastProblem;
      throw new DeliveryError(
        `MQTT: not connected to broker ${brokerUrl}${problem ? ` (${problem.text})` : ''}`,
        { kind: 'retryable', code: problem?.code ?? 'unreachable' },
      );
    }
    const unacknowledged = await publishBatch(link, messages, toSend, done, {
      qos,
      timeoutMs: publishTimeoutMs,
      signal,
      onAcknowledged: () => counters.published++,
    });
    if (unacknowledged > 0) {
      counters.failed += unacknowledged;
      const problem = link.lastProblem;
      throw new DeliveryError(
        `MQTT: ${unacknowledged} of ${toSend.length} messages not acknowledged by broker ${brokerUrl}: ${problem?.text ?? 'publish failed'}`,
        { kind: 'retryable', code: problem?.code ?? 'unknown' },
      );
    }
  }

  return {
    write,
    close: () => link.close(),
    connected: () => link.client.connected,
    stats: () => ({ connected: link.client.connected, ...counters, ...link.counters }),
  };
}

/** `mqtt://host:port`, after checking host, port and QoS. */
function checkedBrokerUrl(options: MqttSinkOptions, qos: number): string {
  if (typeof options.brokerHost !== 'string' || options.brokerHost.trim() === '') {
    throw new Error('MQTT: mqttConfig.brokerHost is empty');
  }
  if (!Number.isInteger(options.brokerPort) || options.brokerPort < 1 || options.brokerPort > 65_535) {
    throw new Error(
      `MQTT: mqttConfig.brokerPort must be a port number (1-65535), got ${String(options.brokerPort)}`,
    );
  }
  if (qos !== 0 && qos !== 1 && qos !== 2) throw new Error(`MQTT: QoS must be 0, 1 or 2, got ${String(qos)}`);
  const host = options.brokerHost.includes(':') ? `[${options.brokerHost}]` : options.brokerHost;
  return `mqtt://${host}:${options.brokerPort}`;
}

/**
 * Invalid messages are refused before anything is published; the delivery queue drops
 * exactly those and writes the rest again. Undefined when every message is valid.
 */
function invalidMessagesError(messages: readonly MqttMessage[]): DeliveryError | undefined {
  const bad: number[] = [];
  let firstProblem = '';
  messages.forEach((message, index) => {
    const problem = mqttMessageProblem(message);
    if (!problem) return;
    bad.push(index);
    firstProblem ||= `${problem} (topic ${JSON.stringify(String(message?.topic)).slice(0, 120)})`;
  });
  if (bad.length === 0) return undefined;
  return new DeliveryError(`MQTT: ${bad.length} message(s) refused: ${firstProblem}`, {
    kind: 'rejected',
    code: 'invalid',
    badItems: bad,
  });
}
