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
 */
import mqtt, { type MqttClient } from 'mqtt';
import { DeliveryError } from '../../delivery/types.ts';
import type { Logger } from '../../logging/logger.ts';
import type { MqttMessage } from '../../mapping/shapes.ts';

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

const CLOSE_GRACE_MS = 2_000;
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
  const { log } = options;
  const qos = options.qos ?? 1;
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
  const brokerUrl = `mqtt://${host}:${options.brokerPort}`;
  const publishTimeoutMs = options.publishTimeoutMs ?? 10_000;

  const counters = { published: 0, failed: 0, invalid: 0, connects: 0, disconnects: 0 };
  /** Indexes of a batch already acknowledged, so a retry of the same batch skips them. */
  const acknowledged = new WeakMap<readonly MqttMessage[], Set<number>>();
  /** Writes waiting for acknowledgements; told when the connection drops. */
  const waiting = new Set<(reason: string) => void>();
  let lastProblem: string | undefined;
  let state: 'connecting' | 'up' | 'down' = 'connecting';
  let closed = false;

  const client: MqttClient = mqtt.connect(brokerUrl, {
    protocolVersion: 4,
    clean: true,
    keepalive: 60,
    reconnectPeriod: options.reconnectPeriodMs ?? 1_000,
    connectTimeout: options.connectTimeoutMs ?? 30_000,
    ...(options.clientId ? { clientId: options.clientId } : {}),
    // Never queue while offline: writes fail fast and the delivery layer keeps the data.
    queueQoSZero: false,
    // A broker refusing the connection (e.g. "server unavailable") is retried too.
    reconnectOnConnackError: true,
  });

  client.on('connect', () => {
    counters.connects++;
    if (state !== 'up') log.info(`MQTT: connected to broker ${brokerUrl}`);
    state = 'up';
    lastProblem = undefined;
  });
  client.on('error', (error) => {
    const problem = error.message || String(error);
    if (state === 'up' || problem !== lastProblem) {
      log.debug('MQTT: client error', { broker: brokerUrl, error: problem });
    }
    lastProblem = problem;
  });
  client.on('close', () => {
    for (const fail of waiting) fail('connection to the broker closed');
    if (closed) return;
    if (state === 'up') {
      counters.disconnects++;
      log.warn(`MQTT: lost connection to broker ${brokerUrl}; reconnecting`);
      state = 'down';
    } else if (state === 'connecting') {
      log.warn(
        `MQTT: cannot connect to broker ${brokerUrl}${lastProblem ? `: ${lastProblem}` : ''}; retrying in the background`,
      );
      state = 'down';
    }
  });

  /** Takes the message published with `callback` out of mqtt.js's resend store. */
  const forget = (callback: unknown): void => {
    for (const [id, entry] of Object.entries(client.outgoing)) {
      if (entry.cb === callback) client.removeOutgoingMessage(Number(id));
    }
  };

  const publishAll = (
    messages: readonly MqttMessage[],
    indexes: number[],
    done: Set<number>,
    signal: AbortSignal | undefined,
  ): Promise<number> =>
    new Promise((resolve) => {
      let outstanding = indexes.length;
      let firstError: string | undefined;
      let settled = false;
      const callbacks = new Map<number, (error?: Error) => void>();
      const finish = (reason?: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        waiting.delete(onDrop);
        signal?.removeEventListener('abort', onAbort);
        if (reason) {
          // Whatever is still unacknowledged is failed now; drop it from mqtt.js's store.
          for (const [index, callback] of callbacks) {
            if (!done.has(index)) forget(callback);
          }
          lastProblem = reason;
        }
        resolve(indexes.filter((index) => !done.has(index)).length);
      };
      const onDrop = (reason: string): void => finish(reason);
      const onAbort = (): void => finish('write aborted');
      waiting.add(onDrop);
      signal?.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(
        () => finish(`no acknowledgement within ${publishTimeoutMs} ms`),
        publishTimeoutMs,
      );
      for (const index of indexes) {
        const message = messages[index] as MqttMessage;
        const callback = (error?: Error): void => {
          if (settled) return;
          if (error) firstError ??= error.message || 'publish failed';
          else {
            done.add(index);
            counters.published++;
          }
          if (--outstanding === 0) finish(firstError);
        };
        callbacks.set(index, callback);
        client.publish(message.topic, message.payload, { qos, retain: message.retain === true }, callback);
      }
    });

  return {
    async write(messages, signal) {
      if (closed) throw new DeliveryError(`MQTT: sink for ${brokerUrl} is closed`, { kind: 'retryable' });
      // Invalid messages are refused before anything is published; the delivery queue
      // drops exactly those and writes the rest again.
      const bad: number[] = [];
      let firstProblem = '';
      messages.forEach((message, index) => {
        const problem = mqttMessageProblem(message);
        if (!problem) return;
        bad.push(index);
        firstProblem ||= `${problem} (topic ${JSON.stringify(String(message?.topic)).slice(0, 120)})`;
      });
      if (bad.length > 0) {
        counters.invalid += bad.length;
        throw new DeliveryError(`MQTT: ${bad.length} message(s) refused: ${firstProblem}`, {
          kind: 'rejected',
          badItems: bad,
        });
      }

      const done = acknowledged.get(messages) ?? new Set<number>();
      acknowledged.set(messages, done);
      const toSend = messages.map((_, index) => index).filter((index) => !done.has(index));
      if (toSend.length === 0) return;
      if (signal?.aborted) throw new DeliveryError('MQTT: write aborted', { kind: 'retryable' });
      if (!client.connected) {
        counters.failed += toSend.length;
        throw new DeliveryError(
          `MQTT: not connected to broker ${brokerUrl}${lastProblem ? ` (${lastProblem})` : ''}`,
          { kind: 'retryable' },
        );
      }
      const unacknowledged = await publishAll(messages, toSend, done, signal);
      if (unacknowledged > 0) {
        counters.failed += unacknowledged;
        throw new DeliveryError(
          `MQTT: ${unacknowledged} of ${toSend.length} messages not acknowledged by broker ${brokerUrl}: ${lastProblem ?? 'publish failed'}`,
          { kind: 'retryable' },
        );
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      const graceful = client.endAsync(false);
      const timeout = new Promise<'timeout'>((resolve) =>
        setTimeout(resolve, CLOSE_GRACE_MS, 'timeout').unref(),
      );
      const outcome = await Promise.race([graceful.then(() => 'ended' as const), timeout]).catch(
        () => 'failed',
      );
      if (outcome !== 'ended') await client.endAsync(true).catch(() => {});
      log.verbose(`MQTT: disconnected from broker ${brokerUrl}`);
    },

    connected: () => client.connected,

    stats: () => ({ connected: client.connected, ...counters }),
  };
}
