/**
 * The common shape of the audit destinations (InfluxDB `audit_event`, JSON, Parquet, QVD): a
 * mapping of `audit-event` records to items, a sink behind the destination's delivery queue
 * (so each gets the queue, spool and status of every destination), and the receipts that let
 * the audit API forget an event from its journal once it is stored here.
 *
 * Each item travels through the queue (and the spool) with a key; when the sink reports the
 * item stored, or refused for good, the record's receipt is released. An item replayed from
 * the spool after a restart carries a key of the previous run: nothing is released for it (the
 * audit API hands its event out again from the journal instead).
 */
import { randomUUID } from 'node:crypto';
import type { Destination, DestinationContext } from '../components/destination.ts';
import { queueLifecycle } from '../components/queued-destination.ts';
import { DeliveryError, type DeliverySink } from '../delivery/types.ts';
import type { AuditEventRecord } from '../records/audit-event.ts';

/** An item and the key of its record's receipt (absent for records without one). */
export interface Keyed<V> {
  key?: string;
  value: V;
}

/** A sink of keyed items; `stored` is called with the keys of items now stored. */
export interface AuditSink<V> {
  /** Writes (or buffers) a batch; throws DeliveryError as any sink does. */
  write(batch: Keyed<V>[], signal?: AbortSignal): Promise<void>;
  /** Writes what it buffers (buffering sinks only). */
  flush?(): Promise<void>;
  /** Writes what it buffers and closes. */
  close?(): Promise<void>;
}

/** Wraps a plain sink whose items are stored once `write` resolves. */
export function storedOnWrite<V>(sink: DeliverySink<V>, stored: (keys: string[]) => void): AuditSink<V> {
  return {
    async write(batch, signal) {
      await sink.write(
        batch.map((item) => item.value),
        signal,
      );
      stored(keysOf(batch));
    },
  };
}

export function keysOf<V>(batch: readonly Keyed<V>[]): string[] {
  const keys: string[] = [];
  for (const item of batch) if (item.key !== undefined) keys.push(item.key);
  return keys;
}

export interface AuditDestinationOptions<V> {
  /** The destination's (and its queue's) name in logs and status. */
  name: string;
  context: DestinationContext;
  maxBatchSize: number;
  /** The item an event becomes here, or undefined when this destination does not store it. */
  map(record: AuditEventRecord): V | undefined;
  /** Builds the sink (called once, on create); `stored` releases receipts. */
  createSink(stored: (keys: string[]) => void): AuditSink<V>;
  /** Opens what the sink needs (must not wait for a slow server). */
  start?(): Promise<void> | void;
}

export function auditDestination<V>(options: AuditDestinationOptions<V>): Destination {
  const run = randomUUID().slice(0, 8);
  let next = 0;
  const pending = new Map<string, () => void>();
  const stored = (keys: string[]) => {
    for (const key of keys) {
      const release = pending.get(key);
      pending.delete(key);
      release?.();
    }
  };
  const sink = options.createSink(stored);
  const queue = options.context.createQueue<Keyed<V>>(
    options.name,
    refusalsReleased(sink, stored),
    options.maxBatchSize,
  );
  const flush = async () => {
    await queue.flush();
    await sink.flush?.();
  };
  const life = queueLifecycle(options.name, queue, {
    start: () => options.start?.(),
    close: () => sink.close?.(),
  });
  return {
    ...life,
    accepts: new Set(['audit-event'] as const),
    deliver(record) {
      if (record.kind !== 'audit-event') return;
      const value = options.map(record);
      if (value === undefined) return;
      if (!record.receipt) {
        queue.enqueue({ value });
        return;
      }
      const key = `${run}.${next++}`;
      pending.set(key, record.receipt.hold(flush));
      queue.enqueue({ key, value });
    },
    queues: () => [queue.status()],
  };
}

/**
 * Releases the receipts of items the destination refused for good: the queue drops them
 * (counted `rejected`), so they will never be stored.
 */
function refusalsReleased<V>(sink: AuditSink<V>, stored: (keys: string[]) => void): DeliverySink<Keyed<V>> {
  return {
    async write(batch, signal) {
      try {
        await sink.write(batch, signal);
      } catch (error) {
        if (error instanceof DeliveryError && error.kind === 'rejected') {
          const bad = error.badItems ?? (batch.length === 1 ? [0] : []);
          stored(keysOf(bad.flatMap((i) => (batch[i] ? [batch[i]] : []))));
        }
        throw error;
      }
    },
  };
}
