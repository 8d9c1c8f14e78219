/**
 * Disk spool throughput with ~200-byte InfluxDB line-protocol strings:
 *  1. spool alone: accept (batches as the queue hands them over), then replay (peek/commit);
 *  2. the delivery queue with its destination down, so everything beyond the memory bound
 *     goes through the spool ("spool engaged"), then the destination back up (replay);
 *  3. the same queue with a destination that is up (the in-memory path), for comparison.
 * Prints records/s and RSS for each. No timing is asserted anywhere.
 *
 *   node --expose-gc bench/spool-throughput.ts [--records 500000] [--batch 1000] [--fsync-ms 1000] [--dir /tmp]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createDeliveryQueue } from '../src/delivery/queue.ts';
import { createDiskSpool } from '../src/delivery/spool/index.ts';
import { DeliveryError, type DeliverySink } from '../src/delivery/types.ts';
import { createRecordingLogger } from '../src/logging/logger.ts';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '500000' },
    batch: { type: 'string', default: '1000' },
    'fsync-ms': { type: 'string', default: '1000' },
    dir: { type: 'string', default: tmpdir() },
  },
});
const total = Number(values.records);
const batchSize = Number(values.batch);
const fsyncIntervalMs = Number(values['fsync-ms']);
const root = mkdtempSync(join(values.dir, 'spool-bench-'));
const log = createRecordingLogger();
const identity = (s: string) => s;

/** A log_event point as the InfluxDB sink spools it: ~200 bytes of line protocol. */
function point(i: number): string {
  return (
    `log_event,host=sense-node-${i % 4},level=WARN,source=qseow-engine,log_row=${i},subsystem=System.Engine.Engine ` +
    `message="Heartbeat check for app ${(i * 2654435761) % 1e9} took longer than expected",exception_message="",` +
    `thread_id=${i % 64}i ${1_700_000_000_000_000_000n + BigInt(i) * 1000n}`
  );
}
// A pool of distinct points, cycled through, so that memory shows the spool and queue rather
// than the test data; flattened (via a Buffer) so no rope strings inflate it.
const pool = Array.from({ length: 10_000 }, (_, i) => Buffer.from(point(i)).toString());
const averageBytes = pool.reduce((sum, p) => sum + p.length, 0) / pool.length;
function batchAt(start: number): string[] {
  const batch: string[] = [];
  for (let i = start; i < Math.min(total, start + batchSize); i++) batch.push(pool[i % pool.length]!);
  return batch;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const rate = (count: number, ms: number) =>
  `${Math.round((count / ms) * 1000).toLocaleString('en-US')} records/s`;
let peakRss = 0;
const rssSampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);
rssSampler.unref();
/** RSS now and its peak since the last call; with --expose-gc also the heap left after a GC. */
function rssLine(): string {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  let line = `rss ${mb(process.memoryUsage().rss)} (peak ${mb(peakRss)})`;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    line += `, heap after gc ${mb(process.memoryUsage().heapUsed)}`;
  }
  peakRss = 0;
  return line;
}

console.log(
  `spool-throughput: ${total.toLocaleString('en-US')} points of ~${averageBytes.toFixed(0)} bytes, ` +
    `batches of ${batchSize}, fsync every ${fsyncIntervalMs} ms, in ${root}`,
);
console.log(`baseline: ${rssLine()}`);

// ---- 1. spool alone ------------------------------------------------------------------------
{
  const spool = createDiskSpool<string>({
    directory: root,
    name: 'alone',
    maxBytes: 4 * 1024 ** 3,
    encode: identity,
    decode: identity,
    fsyncIntervalMs,
    log,
  });
  await spool.ready;
  let started = performance.now();
  for (let i = 0; i < total; i += batchSize) await spool.accept(batchAt(i), 'queue_full');
  const acceptMs = performance.now() - started;
  const { bytes, segments } = spool.stats();
  console.log(
    `spool accept:  ${rate(total, acceptMs)}, ${mb(bytes)} in ${segments} segments (${(bytes / total).toFixed(0)} bytes/record); ${rssLine()}`,
  );
  started = performance.now();
  let replayed = 0;
  while (spool.size() > 0) {
    const items = await spool.peek(batchSize);
    replayed += items.length;
    await spool.commit(items.length);
  }
  const replayMs = performance.now() - started;
  console.log(`spool replay:  ${rate(replayed, replayMs)} (${replayed} records); ${rssLine()}`);
  await spool.close();
}

// ---- 2. delivery queue, destination down then up -------------------------------------------
const queueOptions = {
  maxQueued: 10_000,
  maxBatchSize: batchSize,
  flushIntervalMs: 1000,
  retry: { initialMs: 50, maxMs: 200, jitter: false },
  log,
};
{
  let down = true;
  let delivered = 0;
  const sink: DeliverySink<string> = {
    async write(batch) {
      if (down) throw new DeliveryError('connect ECONNREFUSED', { kind: 'retryable' });
      delivered += batch.length;
    },
  };
  const spool = createDiskSpool<string>({
    directory: root,
    name: 'queue',
    maxBytes: 4 * 1024 ** 3,
    encode: identity,
    decode: identity,
    fsyncIntervalMs,
    log,
  });
  await spool.ready;
  const queue = createDeliveryQueue<string>({ name: 'bench', sink, overflow: spool, ...queueOptions });
  let started = performance.now();
  // Intake in the shape of UDP bursts: a chunk per macrotask, so the spool can work in between.
  for (let i = 0; i < total; i += batchSize) {
    queue.enqueueMany(batchAt(i));
    await new Promise((resolve) => setImmediate(resolve));
  }
  const intakeMs = performance.now() - started;
  const expectSpooled = total - queueOptions.maxQueued;
  while (queue.stats().overflowed < expectSpooled) await sleep(1);
  const spooledMs = performance.now() - started;
  console.log(
    `queue, destination down: intake ${rate(total, intakeMs)}, all overflow on disk at ${rate(total, spooledMs)}; ` +
      `${queue.stats().overflowed} spooled; ${rssLine()}`,
  );
  down = false;
  started = performance.now();
  while (delivered < total) await sleep(1);
  const recoverMs = performance.now() - started;
  console.log(`queue, destination back: delivered ${rate(total, recoverMs)} (memory + replay); ${rssLine()}`);
  await queue.close(5000);
  await spool.close();
}

// ---- 3. delivery queue, destination up (in-memory path) ------------------------------------
{
  let delivered = 0;
  const sink: DeliverySink<string> = {
    async write(batch) {
      delivered += batch.length;
    },
  };
  const queue = createDeliveryQueue<string>({ name: 'bench', sink, ...queueOptions, maxQueued: total });
  const started = performance.now();
  for (let i = 0; i < total; i += batchSize) {
    queue.enqueueMany(batchAt(i));
    await new Promise((resolve) => setImmediate(resolve));
  }
  while (delivered < total) await sleep(1);
  const ms = performance.now() - started;
  console.log(`queue, destination up (no spool): ${rate(total, ms)}; ${rssLine()}`);
  await queue.close(1000);
}

rmSync(root, { recursive: true, force: true });
