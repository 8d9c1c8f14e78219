/**
 * One disk spool per delivery queue, all under the configured spool folder. What a
 * destination cannot take now (memory bound reached, or still queued at shutdown) goes here
 * and is replayed in order when the destination is back, also after a crash or restart.
 */
import { createDiskSpool, type DiskSpool, spoolNameFor } from '../delivery/spool/index.ts';
import type { Overflow, SpoolCodec } from '../delivery/types.ts';
import type { Logger } from '../logging/logger.ts';

export interface DiskSpoolFactory {
  /** The spool of one queue (created on first use), storing items with `codec` (default JSON). */
  <T>(queueName: string, codec?: SpoolCodec<T>): Overflow<T>;
  /** Closes every spool (fsync); call after the queues have handed over what they hold. */
  closeAll(): Promise<void>;
  /** Bytes on disk of the spool of one queue (0 when it has none). */
  bytesFor(queueName: string): number;
  /** Records the spool of one queue dropped itself (cap reached, corrupt), by reason. */
  droppedFor(queueName: string): Record<string, number>;
}

export function createDiskSpoolFactory(options: {
  directory: string;
  maxBytes: number;
  log: Logger;
}): DiskSpoolFactory {
  const spools = new Map<string, DiskSpool<unknown>>();
  const factory = <T>(queueName: string, codec?: SpoolCodec<T>): Overflow<T> => {
    const spool = createDiskSpool<T>({
      directory: options.directory,
      name: spoolNameFor(queueName),
      maxBytes: options.maxBytes,
      log: options.log,
      ...(codec ? { encode: codec.encode, decodeBytes: codec.decode } : {}),
    });
    spool.ready.catch((error: Error) => options.log.error(`SPOOL: ${queueName}: ${error.message}`));
    spools.set(queueName, spool as DiskSpool<unknown>);
    return spool;
  };
  return Object.assign(factory, {
    async closeAll() {
      await Promise.allSettled([...spools.values()].map((spool) => spool.close()));
    },
    bytesFor(queueName: string) {
      return spools.get(queueName)?.stats().bytes ?? 0;
    },
    droppedFor(queueName: string) {
      return spools.get(queueName)?.stats().droppedByReason ?? {};
    },
  });
}
