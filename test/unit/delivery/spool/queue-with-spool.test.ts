/**
 * The disk spool behind the real delivery queue: a destination that fails, then recovers.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDeliveryQueue } from '../../../../src/delivery/queue.ts';
import { createDiskSpool, type DiskSpool } from '../../../../src/delivery/spool/index.ts';
import { DeliveryError, type DeliverySink } from '../../../../src/delivery/types.ts';
import { createRecordingLogger } from '../../../../src/logging/logger.ts';

const roots: string[] = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** A sink that is down (throws a retryable error) while `down` is true. */
function switchableSink() {
  const state = { down: true, delivered: [] as number[], failures: 0 };
  const sink: DeliverySink<number> = {
    async write(batch) {
      await sleep(1);
      if (state.down) {
        state.failures++;
        throw new DeliveryError('connect ECONNREFUSED', { kind: 'retryable' });
      }
      state.delivered.push(...batch);
    },
  };
  return { sink, state };
}

/** Records the order in which the queue handed items to the spool. */
function watchAccepts(spool: DiskSpool<number>): number[] {
  const accepted: number[] = [];
  const accept = spool.accept.bind(spool);
  spool.accept = async (items, reason) => {
    await accept(items, reason);
    accepted.push(...items);
  };
  return accepted;
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

function queueFor(sink: DeliverySink<number>, spool: DiskSpool<number>) {
  return createDeliveryQueue<number>({
    name: 'test sink',
    sink,
    maxQueued: 20,
    maxBatchSize: 10,
    flushIntervalMs: 5,
    retry: { initialMs: 5, maxMs: 20, jitter: 0 },
    overflow: spool,
    log: createRecordingLogger(),
  });
}

describe('disk spool behind the delivery queue', () => {
  it('delivers every item exactly once after an outage, the replay in order', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'spool-queue-'));
    roots.push(directory);
    const spool = createDiskSpool<number>({
      directory,
      name: 'influx',
      maxBytes: 1 << 20,
      log: createRecordingLogger(),
    });
    const accepted = watchAccepts(spool);
    const { sink, state } = switchableSink();
    const queue = queueFor(sink, spool);

    const total = 500;
    for (let i = 0; i < total; i++) {
      queue.enqueue(i);
      if (i % 50 === 0) await sleep(1);
    }
    await waitFor(() => accepted.length >= total - 20, 'the overflow to reach the spool');
    assert.ok(state.failures > 0, 'the sink was failing');
    assert.equal(state.delivered.length, 0);
    assert.equal(spool.size(), accepted.length);

    state.down = false;
    await waitFor(() => state.delivered.length >= total && spool.size() === 0, 'all items delivered');
    await sleep(20);
    assert.equal(state.delivered.length, total, 'nothing delivered twice');
    assert.deepEqual(
      [...state.delivered].sort((a, b) => a - b),
      Array.from({ length: total }, (_, i) => i),
      'every item delivered',
    );
    const spooled = new Set(accepted);
    const replayOrder = state.delivered.filter((item) => spooled.has(item));
    assert.deepEqual(replayOrder, accepted, 'replay in the order spooled');
    const memoryOrder = state.delivered.filter((item) => !spooled.has(item));
    assert.deepEqual(
      memoryOrder,
      [...memoryOrder].sort((a, b) => a - b),
      'memory path in order',
    );
    assert.deepEqual(queue.stats().dropped, {});
    assert.deepEqual(spool.stats().droppedByReason, {});
    await queue.close(1000);
    await spool.close();
  });

  it('spools what is left at shutdown and delivers it after a restart, found on disk', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'spool-queue-'));
    roots.push(directory);
    const options = { directory, name: 'influx', maxBytes: 1 << 20, log: createRecordingLogger() };

    const firstSpool = createDiskSpool<number>(options);
    const first = switchableSink();
    const firstQueue = queueFor(first.sink, firstSpool);
    for (let i = 0; i < 100; i++) firstQueue.enqueue(i);
    await sleep(30);
    await firstQueue.close(50); // destination still down: the rest goes to the spool
    await firstSpool.close();
    assert.equal(first.state.delivered.length, 0);
    assert.deepEqual(firstQueue.stats().dropped, {});

    const secondSpool = createDiskSpool<number>(options);
    const second = switchableSink();
    second.state.down = false;
    const secondQueue = queueFor(second.sink, secondSpool);
    await waitFor(
      () => second.state.delivered.length >= 100 && secondSpool.size() === 0,
      'the spooled items replayed and committed',
    );
    assert.deepEqual(
      [...second.state.delivered].sort((a, b) => a - b),
      Array.from({ length: 100 }, (_, i) => i),
    );
    assert.deepEqual(secondSpool.stats().droppedByReason, {});
    await secondQueue.close(1000);
    await secondSpool.close();
  });
});
