/**
 * Publishing a batch and waiting for the broker's acknowledgements: the wait ends when every
 * message is acknowledged, or at the first of a publish error, the deadline, the connection
 * dropping or the caller's abort. Messages still unacknowledged then are taken out of mqtt.js's
 * resend store, so that the delivery layer's retry is the only resend.
 */
import type { MqttMessage } from '../../mapping/shapes.ts';
import { type BrokerLink, mqttErrorCode, type Problem } from './broker-link.ts';

export interface PublishOptions {
  qos: 0 | 1 | 2;
  timeoutMs: number;
  signal: AbortSignal | undefined;
  /** Called once per acknowledged message. */
  onAcknowledged(): void;
}

/**
 * Publishes `messages[i]` for each index; adds each acknowledged index to `done`. Resolves
 * with the number of messages left unacknowledged (0: all delivered); the link's
 * `lastProblem` says why.
 */
export function publishBatch(
  link: BrokerLink,
  messages: readonly MqttMessage[],
  indexes: number[],
  done: Set<number>,
  options: PublishOptions,
): Promise<number> {
  return new Promise((resolve) => {
    let outstanding = indexes.length;
    let firstError: Problem | undefined;
    let settled = false;
    const callbacks = new Map<number, (error?: Error) => void>();
    const finish = (problem?: Problem): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stopWatchingDrop();
      options.signal?.removeEventListener('abort', onAbort);
      if (problem) {
        // Whatever is still unacknowledged is failed now; drop it from mqtt.js's store.
        for (const [index, callback] of callbacks) if (!done.has(index)) link.forget(callback);
        link.lastProblem = problem;
      }
      resolve(indexes.filter((index) => !done.has(index)).length);
    };
    const stopWatchingDrop = link.onDrop(finish);
    const onAbort = (): void => finish({ text: 'write aborted', code: 'aborted' });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(
      () => finish({ text: `no acknowledgement within ${options.timeoutMs} ms`, code: 'timeout' }),
      options.timeoutMs,
    );
    for (const index of indexes) {
      const message = messages[index] as MqttMessage;
      const callback = (error?: Error): void => {
        if (settled) return;
        if (error) firstError ??= { text: error.message || 'publish failed', code: mqttErrorCode(error) };
        else {
          done.add(index);
          options.onAcknowledged();
        }
        if (--outstanding === 0) finish(firstError);
      };
      callbacks.set(index, callback);
      link.client.publish(
        message.topic,
        message.payload,
        { qos: options.qos, retain: message.retain === true },
        callback,
      );
    }
  });
}
