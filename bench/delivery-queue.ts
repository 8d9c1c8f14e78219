/**
 * Delivery queue overhead alone: items/s through enqueue, batching and a sink that accepts
 * at once (no I/O), so the figure is the ceiling the queue puts on any destination.
 * Also: the same with 1 % of batches failing once (retry path) and with a full queue
 * (drop counting path).
 *
 *   node bench/delivery-queue.ts [--items 2000000] [--batch 1000]
 */
import { parseArgs } from 'node:util';
import { createDeliveryQueue } from '../src/delivery/queue.ts';
import { DeliveryError } from '../src/delivery/types.ts';
import { createLogger } from '../src/logging/logger.ts';

const { values } = parseArgs({
  options: { items: { type: 'string', default: '2000000' }, batch: { type: 'string', default: '1000' } },
});
const total = Number(values.items);
const batch = Number(values.batch);
const log = createLogger('error');

async function run(label: string, failEvery: number, maxQueued: number): Promise<void> {
  let writes = 0;
  const queue = createDeliveryQueue<string>({
    name: label,
    sink: {
      async write() {
        writes++;
        if (failEvery > 0 && writes % failEvery === 0)
          throw new DeliveryError('HTTP 503', { kind: 'retryable' });
      },
    },
    maxQueued,
    maxBatchSize: batch,
    flushIntervalMs: 1000,
    retry: { initialMs: 0, maxMs: 0, jitter: false },
    log,
  });
  const item = 'log_event,host=SENSE1 message="x" 1700000000000000000';
  const start = process.hrtime.bigint();
  for (let i = 0; i < total; i++) {
    queue.enqueue(item);
    if (i % 10_000 === 9999) await new Promise((resolve) => setImmediate(resolve));
  }
  await queue.flush();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const s = queue.stats();
  await queue.close(1000);
  console.log(
    `  ${label}: ${Math.round(total / seconds).toLocaleString('en')} items/s; delivered ${s.delivered}, retried ${s.retried}, dropped ${JSON.stringify(s.dropped)}`,
  );
}

console.log(`delivery-queue: ${total.toLocaleString('en')} items, batch ${batch}, in-memory sink`);
await run('healthy sink', 0, 1_000_000);
await run('1 % of writes retried', 100, 1_000_000);
await run('queue bound 5 000 (drops counted)', 0, 5000);
