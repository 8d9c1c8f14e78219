/**
 * The MQTT sink's connection to its broker: mqtt.js connects and reconnects in the background
 * (every second, as upstream); this tracks the connection's state, logs its changes once
 * (not every reconnect attempt), remembers why the broker cannot be reached, and tells writes
 * waiting for acknowledgements when the connection drops.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { DeliveryErrorCode } from '../../delivery/types.ts';
import type { Logger } from '../../logging/logger.ts';
import { socketFailureOf } from '../../net/socket-errors.ts';

/** Why the last connection attempt or write failed. */
export interface Problem {
  text: string;
  code: DeliveryErrorCode;
}

export interface LinkCounters {
  /** Successful connections, the first included. */
  connects: number;
  /** Lost connections. */
  disconnects: number;
}

export interface BrokerLinkOptions {
  brokerUrl: string;
  clientId?: string;
  reconnectPeriodMs: number;
  connectTimeoutMs: number;
  log: Logger;
}

const CLOSE_GRACE_MS = 2_000;

/** MQTT 3.1.1 CONNACK return codes: 3 server unavailable, 4 bad user name or password, 5 not authorised. */
function connackCode(returnCode: number): DeliveryErrorCode {
  if (returnCode === 4 || returnCode === 5) return 'auth';
  if (returnCode === 3) return 'server_error';
  return 'refused';
}

/** The code of an error mqtt.js reports: a CONNACK refusal (numeric code) or a socket error. */
export function mqttErrorCode(error: unknown): DeliveryErrorCode {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'number' ? connackCode(code) : socketFailureOf(error);
}

export class BrokerLink {
  readonly client: MqttClient;
  readonly counters: LinkCounters = { connects: 0, disconnects: 0 };
  /** Why the broker cannot be reached (or the last write failed); undefined while all is well. */
  lastProblem: Problem | undefined;
  readonly #options: BrokerLinkOptions;
  /** Writes waiting for acknowledgements; told when the connection drops. */
  readonly #waiting = new Set<(problem: Problem) => void>();
  #state: 'connecting' | 'up' | 'down' = 'connecting';
  #closed = false;

  constructor(options: BrokerLinkOptions) {
    this.#options = options;
    this.client = mqtt.connect(options.brokerUrl, {
      protocolVersion: 4,
      clean: true,
      keepalive: 60,
      reconnectPeriod: options.reconnectPeriodMs,
      connectTimeout: options.connectTimeoutMs,
      ...(options.clientId ? { clientId: options.clientId } : {}),
      // Never queue while offline: writes fail fast and the delivery layer keeps the data.
      queueQoSZero: false,
      // A broker refusing the connection (e.g. "server unavailable") is retried too.
      reconnectOnConnackError: true,
    });
    this.client.on('connect', () => this.#onConnect());
    this.client.on('error', (error) => this.#onError(error));
    this.client.on('close', () => this.#onClose());
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Calls `listener` if the connection drops before it is removed again. */
  onDrop(listener: (problem: Problem) => void): () => void {
    this.#waiting.add(listener);
    return () => this.#waiting.delete(listener);
  }

  /** Takes the message published with `callback` out of mqtt.js's resend store. */
  forget(callback: unknown): void {
    for (const [id, entry] of Object.entries(this.client.outgoing)) {
      if (entry.cb === callback) this.client.removeOutgoingMessage(Number(id));
    }
  }

  /** Disconnects (waits up to 2 s for in-flight acknowledgements). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const graceful = this.client.endAsync(false);
    const timeout = new Promise<'timeout'>((resolve) =>
      setTimeout(resolve, CLOSE_GRACE_MS, 'timeout').unref(),
    );
    const outcome = await Promise.race([graceful.then(() => 'ended' as const), timeout]).catch(
      () => 'failed',
    );
    if (outcome !== 'ended') await this.client.endAsync(true).catch(() => {});
    this.#options.log.verbose(`MQTT: disconnected from broker ${this.#options.brokerUrl}`);
  }

  #onConnect(): void {
    this.counters.connects++;
    if (this.#state !== 'up') this.#options.log.info(`MQTT: connected to broker ${this.#options.brokerUrl}`);
    this.#state = 'up';
    this.lastProblem = undefined;
  }

  #onError(error: Error): void {
    const text = error.message || String(error);
    if (this.#state === 'up' || text !== this.lastProblem?.text) {
      this.#options.log.debug('MQTT: client error', { broker: this.#options.brokerUrl, error: text });
    }
    this.lastProblem = { text, code: mqttErrorCode(error) };
  }

  #onClose(): void {
    for (const drop of this.#waiting) drop({ text: 'connection to the broker closed', code: 'reset' });
    if (this.#closed) return;
    const { log, brokerUrl } = this.#options;
    if (this.#state === 'up') {
      this.counters.disconnects++;
      log.warn(`MQTT: lost connection to broker ${brokerUrl}; reconnecting`);
      this.#state = 'down';
    } else if (this.#state === 'connecting') {
      const problem = this.lastProblem ? `: ${this.lastProblem.text}` : '';
      log.warn(`MQTT: cannot connect to broker ${brokerUrl}${problem}; retrying in the background`);
      this.#state = 'down';
    }
  }
}
