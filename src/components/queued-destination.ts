/**
 * The common shape of a push destination: a sink behind one delivery queue, and a mapping
 * per record kind. A destination built with it only says what its sink is and which kinds it
 * maps to which items; the queue gives it batching, retry, the disk spool and status, and
 * `stop` flushes the queue within the deadline before the sink closes.
 */
import type { DeliverySink } from '../delivery/types.ts';
import { forKind, type PerKind, type RecordKind } from '../records/record.ts';
import { type Lifecycle, lifecycle } from './component.ts';
import type { Destination, DestinationContext, DestinationQueue } from './destination.ts';

export interface QueuedDestinationOptions<I> {
  /** The destination's (and its queue's) name in logs and status. */
  name: string;
  context: DestinationContext;
  sink: DeliverySink<I>;
  maxBatchSize: number;
  /** The items each accepted kind becomes; kinds left out are not accepted. */
  mappings: PerKind<readonly I[]>;
  /** Opens connections or provisions the destination (optional; must not wait for a slow server). */
  start?(): Promise<void> | void;
  /** Closes the sink, after the queue has flushed or spooled what it held. */
  close?(): Promise<void> | void;
}

/**
 * The start and stop of a destination in front of one queue: `stop` lets the queue flush or
 * spool what it holds within the deadline, then closes the sink even when that failed, so no
 * connection or file outlives the stop.
 */
export function queueLifecycle(
  name: string,
  queue: Pick<DestinationQueue<unknown>, 'close'>,
  hooks: Pick<QueuedDestinationOptions<unknown>, 'start' | 'close'>,
): Lifecycle {
  return lifecycle(name, {
    start: () => hooks.start?.(),
    async stop(deadlineMs) {
      try {
        await queue.close(deadlineMs);
      } finally {
        await hooks.close?.();
      }
    },
  });
}

export function queuedDestination<I>(options: QueuedDestinationOptions<I>): Destination {
  const queue = options.context.createQueue(options.name, options.sink, options.maxBatchSize);
  const life = queueLifecycle(options.name, queue, options);
  const accepts = new Set(
    Object.entries(options.mappings)
      .filter(([, map]) => map !== undefined)
      .map(([kind]) => kind as RecordKind),
  );
  return {
    ...life,
    accepts,
    deliver(record) {
      const items = forKind(options.mappings, record);
      if (items !== undefined && items.length > 0) queue.enqueueMany(items);
    },
    queues: () => [queue.status()],
  };
}
