/**
 * InfluxDB behind its provisioning: no point is written before the database (v1: with its
 * default retention policy) exists, since points written before `CREATE RETENTION POLICY
 * ... DEFAULT` land in `autogen` where dashboards never look; a failed setup (InfluxDB down
 * at start) is retried with the writes' backoff; a database dropped later is created again.
 */
import { DeliveryError, type DeliverySink } from '../../delivery/types.ts';
import type { Logger } from '../../logging/logger.ts';
import type { InfluxSink } from './sink.ts';

export function provisionedInfluxSink(
  sink: InfluxSink,
  log: Logger,
): DeliverySink<string> & { setup(): Promise<void> } {
  let ready: Promise<void> | undefined;
  const setup = (): Promise<void> => {
    ready ??= sink.setup().then(
      () => log.info(`CONFIG: ${sink.describe()} is ready`),
      (error: Error) => {
        // Unreachable (a network error): writes wait and setup is tried again before the next
        // one. Reachable but refusing the setup calls (a token without admin rights, or an
        // InfluxDB-compatible store without the setup API such as VictoriaMetrics): upstream
        // logs and writes anyway, and so do we.
        if (!(error instanceof DeliveryError)) {
          log.warn(`CONFIG: ${error.message}; writing without provisioning`);
          return;
        }
        ready = undefined;
        throw new DeliveryError(`setting up ${sink.describe()} failed: ${error.message}`, {
          kind: 'retryable',
          code: error.code,
          cause: error,
        });
      },
    );
    return ready;
  };
  return {
    setup,
    async write(batch, signal) {
      await setup();
      try {
        await sink.write(batch, signal);
      } catch (error) {
        // The database or bucket vanished (dropped, or InfluxDB reinstalled): provision again.
        if (error instanceof DeliveryError && error.code === 'database_not_found') ready = undefined;
        throw error;
      }
    },
  };
}
