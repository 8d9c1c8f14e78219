/**
 * Builds the delivery queue of each destination with the `delivery` section's settings and a
 * disk spool per queue, and reports each queue's status with what its spool holds and drops.
 */
import type { DestinationQueue, QueueStatus } from '../components/destination.ts';
import type { ButlerSosSettings } from '../config/schema.ts';
import { createDeliveryQueue } from '../delivery/queue.ts';
import type { DeliverySink } from '../delivery/types.ts';
import type { Logger } from '../logging/logger.ts';
import type { DiskSpoolFactory } from './spool.ts';

/** Exponential backoff with full jitter, from half a second up to 30 s. */
const RETRY = { initialMs: 500, maxMs: 30_000, jitter: 1 } as const;

export type QueueFactory = <T>(
  destination: string,
  name: string,
  sink: DeliverySink<T>,
  maxBatchSize: number,
) => DestinationQueue<T>;

export function queueFactory(
  settings: ButlerSosSettings,
  spools: DiskSpoolFactory | undefined,
  log: Logger,
): QueueFactory {
  if (settings.delivery.diskFirst && !spools) {
    log.warn(
      'CONFIG: delivery.diskFirst needs the disk spool (delivery.spoolEnable): records stay in memory',
    );
  }
  return <T>(destination: string, name: string, sink: DeliverySink<T>, maxBatchSize: number) => {
    const queue = createDeliveryQueue<T>({
      name,
      sink,
      maxQueued: settings.delivery.memoryQueueMax,
      maxQueuedBytes: settings.delivery.memoryQueueMaxMB * 1024 * 1024,
      diskFirst: settings.delivery.diskFirst,
      maxBatchSize,
      flushIntervalMs: settings.delivery.flushIntervalMs,
      retry: RETRY,
      overflow: spools?.<T>(name, sink.spoolCodec),
      log,
    });
    const status = (): QueueStatus => {
      const stats = queue.stats();
      // The spool counts its own drops (cap reached, corrupt records): one total per reason.
      for (const [reason, count] of Object.entries(spools?.droppedFor(name) ?? {})) {
        stats.dropped[reason] = (stats.dropped[reason] ?? 0) + count;
      }
      return { name, destination, stats, spooledBytes: spools?.bytesFor(name) ?? 0 };
    };
    return Object.assign(queue, { status });
  };
}
