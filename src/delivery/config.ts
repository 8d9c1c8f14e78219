/** How push destinations are fed: the memory queue, batching, the disk spool, the shutdown deadline (ours). */
import type { z } from 'zod';
import { bool, count, positive, section, str } from '../config/kit/fields.ts';

export const deliverySchema = section(
  {
    spoolEnable: bool(
      true,
      'Spool to disk what a destination cannot take now, and replay it when it recovers.',
    ),
    spoolDirectory: str(
      'spool',
      'Folder of the disk spools, relative to the working directory unless absolute.',
    ),
    spoolMaxMB: positive(1024, 'Largest disk use of all spools of one destination queue.'),
    memoryQueueMax: count(100000, 'Most records held in memory per destination queue before spooling.'),
    memoryQueueMaxMB: positive(
      16,
      'Most megabytes of records held in memory per destination queue before spooling (whichever of this and memoryQueueMax is reached first); twice as much more may wait for the spool under overload.',
    ),
    diskFirst: bool(
      false,
      'Write every record to the disk spool before delivering it from there, so that a crash at any moment loses nothing (costs CPU and disk writes; needs spoolEnable).',
    ),
    flushIntervalMs: positive(1000, 'Longest time a record waits for its batch to fill.'),
    shutdownDeadlineMs: positive(
      10000,
      'On SIGTERM/SIGINT: time allowed to flush before the rest is spooled.',
    ),
  },
  'Delivery to push destinations (this implementation).',
);

export type DeliveryConfig = z.output<typeof deliverySchema>;
