import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay, createDeliveryQueue, type DeliveryQueueOptions } from '../../../src/delivery/queue.ts';
import { DeliveryError, type DeliverySink, type Overflow } from '../../../src/delivery/types.ts';
import { createRecordingLogger } from '../../../src/logging/logger.ts';

/** A sink that records every write attempt and answers with what `behave` says. */
function recordingSink<T>(
  behave: (batch: T[], attempt: number, signal?: AbortSignal) => Promise<void> | void,
) {
  const attempts: { batch: T[]; at: number }[] = [];
  const written: T[][] = [];
  const sink: DeliverySink<T> = {
    async write(batch, signal) {
      attempts.push({ batch: [...batch], at: performance.now() });
      await behave(batch, attempts.length, signal);
      written.push([...batch]);
    },
  };
  return { sink, attempts, written };
}

/** An in-memory Overflow, as a disk spool would behave. */
function memoryOverflow<T>(): Overflow<T> & { items: T[]; reasons: string[] } {
  const items: T[] = [];
  const reasons: string[] = [];
  return {
    items,
    reasons,
    async accept(more, reason) {
      items.push(...more);
      reasons.push(reason);
    },
    size: () => items.length,
    async peek(max) {
      return items.slice(0, max);
    },
    async commit(count) {
      items.splice(0, count);
    },
  };
}

function queueOptions<T>(
  sink: DeliverySink<T>,
  more: Partial<DeliveryQueueOptions<T>> = {},
): DeliveryQueueOptions<T> {
  return {
    name: 'test sink',
    sink,
    maxQueued: 1000,
    maxBatchSize: 3,
    flushIntervalMs: 10_000,
    retry: { initialMs: 5, maxMs: 40, jitter: 0 },
    log: createRecordingLogger(),
    ...more,
  };
}

async function until(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not reached in time');
    await sleep(2);
  }
}

describe('delivery queue batching', () => {
  it('writes full batches at once and the remainder on flush', async () => {
    const { sink, written } = recordingSink<number>(() => {});
    const q = createDeliveryQueue(queueOptions(sink));
    q.enqueueMany([1, 2, 3, 4, 5, 6, 7]);
    await until(() => written.length === 2);
    assert.deepEqual(written, [
      [1, 2, 3],
      [4, 5, 6],
    ]);
    assert.equal(q.stats().queued, 1);
    await q.flush();
    assert.deepEqual(written.at(-1), [7]);
    assert.equal(q.stats().delivered, 7);
    await q.close(100);
  });

  it('writes a partial batch once the flush interval has passed', async () => {
    const { sink, written } = recordingSink<string>(() => {});
    const q = createDeliveryQueue(queueOptions(sink, { maxBatchSize: 100, flushIntervalMs: 30 }));
    const start = performance.now();
    q.enqueue('a');
    q.enqueue('b');
    await until(() => written.length === 1);
    assert.ok(performance.now() - start >= 25, 'written before the interval');
    assert.deepEqual(written[0], ['a', 'b']);
    await q.close(100);
  });
});

describe('delivery queue retries', () => {
  it('retries a retryable error with exponential backoff, then delivers', async () => {
    const { sink, attempts, written } = recordingSink<number>((_b, attempt) => {
      if (attempt <= 3) throw new DeliveryError('HTTP 503 Service Unavailable', { kind: 'retryable' });
    });
    const log = createRecordingLogger();
    const q = createDeliveryQueue(queueOptions(sink, { log }));
    q.enqueueMany([1, 2, 3]);
    await until(() => written.length === 1);
    assert.equal(attempts.length, 4);
    const gaps = attempts.slice(1).map((a, i) => a.at - attempts[i]!.at);
    // 5, 10, 20 ms without jitter (timers may fire late, never early).
    assert.ok(gaps[0]! >= 4 && gaps[1]! >= 9 && gaps[2]! >= 19, `gaps ${gaps}`);
    const s = q.stats();
    assert.equal(s.retried, 3);
    assert.equal(s.delivered, 3);
    assert.equal(s.lastError?.message, 'HTTP 503 Service Unavailable');
    assert.ok(log.lines.some((l) => l.level === 'warn' && l.message.includes('will retry')));
    assert.ok(log.lines.some((l) => l.level === 'info' && l.message.includes('recovered')));
    await q.close(100);
  });

  it('treats plain errors (network failures) as retryable', async () => {
    const { sink, written } = recordingSink<number>((_b, attempt) => {
      if (attempt === 1)
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    });
    const q = createDeliveryQueue(queueOptions(sink));
    q.enqueueMany([1, 2, 3]);
    await until(() => written.length === 1);
    assert.equal(q.stats().retried, 1);
    assert.deepEqual(q.stats().dropped, {});
    await q.close(100);
  });

  it('doubles the delay up to maxMs and applies full jitter below it', () => {
    const retry = { initialMs: 4, maxMs: 16, jitter: 0 };
    assert.deepEqual(
      [1, 2, 3, 4, 5, 40].map((n) => backoffDelay(n, retry)),
      [4, 8, 16, 16, 16, 16],
    );
    const full = { ...retry, jitter: true };
    assert.equal(
      backoffDelay(3, full, () => 0.25),
      12,
    );
    assert.equal(
      backoffDelay(3, full, () => 0.75),
      4,
    );
    assert.equal(
      backoffDelay(2, { ...retry, jitter: 0.5 }, () => 1),
      4,
    );
  });
});

describe('delivery queue rejected batches', () => {
  it('splits a rejected batch so good items land and the bad one is counted', async () => {
    const { sink, written } = recordingSink<string>((batch) => {
      if (batch.includes('bad')) throw new DeliveryError('HTTP 400: unable to parse', { kind: 'rejected' });
    });
    const q = createDeliveryQueue(queueOptions(sink, { maxBatchSize: 8 }));
    const items = ['a', 'b', 'c', 'd', 'e', 'bad', 'f', 'g'];
    q.enqueueMany(items);
    await q.flush();
    assert.deepEqual(
      written.flat(),
      items.filter((i) => i !== 'bad'),
    );
    const s = q.stats();
    assert.equal(s.delivered, 7);
    assert.deepEqual(s.dropped, { rejected: 1 });
    await q.close(100);
  });

  it('drops exactly the items the sink names and writes the rest in one go', async () => {
    const { sink, attempts, written } = recordingSink<string>((batch) => {
      const bad = batch.flatMap((item, i) => (item.startsWith('x') ? [i] : []));
      if (bad.length > 0) throw new DeliveryError('HTTP 400', { kind: 'rejected', badItems: bad });
    });
    const q = createDeliveryQueue(queueOptions(sink, { maxBatchSize: 6 }));
    q.enqueueMany(['a', 'x1', 'b', 'c', 'x2', 'd']);
    await q.flush();
    assert.equal(attempts.length, 2);
    assert.deepEqual(written, [['a', 'b', 'c', 'd']]);
    assert.deepEqual(q.stats().dropped, { rejected: 2 });
    await q.close(100);
  });
});

describe('delivery queue bounds and overflow', () => {
  it('counts items beyond maxQueued as dropped (queue_full) without an overflow store', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const { sink, written } = recordingSink<number>(() => gate);
    const log = createRecordingLogger();
    const q = createDeliveryQueue(queueOptions(sink, { maxQueued: 5, maxBatchSize: 5, log }));
    q.enqueueMany([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    q.enqueue(11);
    assert.deepEqual(q.stats().dropped, { queue_full: 6 });
    release();
    await q.flush();
    assert.deepEqual(written, [[1, 2, 3, 4, 5]]);
    assert.ok(log.lines.some((l) => l.level === 'warn' && l.message.includes('dropped')));
    await q.close(100);
  });

  it('hands overflowing items to the overflow store and replays them after recovery', async () => {
    let down = true;
    const { sink, written } = recordingSink<number>(() => {
      if (down) throw new DeliveryError('HTTP 503', { kind: 'retryable' });
    });
    const overflow = memoryOverflow<number>();
    const log = createRecordingLogger();
    const q = createDeliveryQueue(queueOptions(sink, { maxQueued: 4, maxBatchSize: 2, overflow, log }));
    for (let i = 1; i <= 10; i++) q.enqueue(i);
    // Beyond the bound at once; then, the destination failing, the rest of memory too.
    await until(() => overflow.items.length === 10);
    assert.deepEqual(overflow.items.slice(0, 6), [5, 6, 7, 8, 9, 10]);
    assert.deepEqual(
      [...overflow.items].sort((a, b) => a - b),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
    assert.equal(overflow.reasons[0], 'queue_full');
    assert.ok(overflow.reasons.slice(1).every((r) => r === 'destination_down'));
    await until(() =>
      log.lines.some((l) => l.level === 'warn' && l.message.includes('items moved to the overflow store')),
    );
    assert.deepEqual(q.stats().dropped, {});
    down = false;
    await until(() => q.stats().delivered === 10);
    assert.deepEqual(
      written.flat().sort((a, b) => a - b),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
    assert.equal(overflow.items.length, 0);
    assert.equal(q.stats().overflowed, 10);
    await q.close(100);
  });

  it('bounds memory in bytes as the sink counts them, whatever the item count allows', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const { sink: base } = recordingSink<string>(() => gate);
    const sink = { ...base, sizeOf: (item: string) => item.length };
    const overflow = memoryOverflow<string>();
    const q = createDeliveryQueue(
      queueOptions(sink, { maxQueued: 1000, maxQueuedBytes: 100, maxBatchSize: 2, overflow }),
    );
    const item = (n: number) => `${n}`.padStart(30, '.');
    // 2 in flight (60 bytes) and 2 waiting (120 bytes): the bound is reached at the 4th.
    for (let i = 0; i < 4; i++) q.enqueue(item(i));
    // The rest go to the store (one at a time, so that none waits long for it).
    for (let i = 4; i < 10; i++) {
      q.enqueue(item(i));
      await sleep(1);
    }
    await until(() => overflow.items.length === 6);
    assert.deepEqual(overflow.items, [4, 5, 6, 7, 8, 9].map(item));
    assert.ok(overflow.reasons.every((r) => r === 'queue_full'));
    assert.equal(q.stats().queued + q.stats().inFlight, 4);
    release();
    await until(() => q.stats().delivered === 10);
    await q.close(100);
  });

  it('drops what the overflow store cannot take fast enough, beyond the byte bound (spool_backlog)', async () => {
    const { sink: base } = recordingSink<string>(() => new Promise(() => {}));
    const sink = { ...base, sizeOf: (item: string) => item.length };
    let release!: () => void;
    const slowStore = new Promise<void>((r) => {
      release = r;
    });
    const overflow = memoryOverflow<string>();
    const accept = overflow.accept.bind(overflow);
    overflow.accept = async (items, reason) => {
      await slowStore;
      await accept(items, reason);
    };
    const q = createDeliveryQueue(
      queueOptions(sink, { maxQueued: 1000, maxQueuedBytes: 25, maxBatchSize: 2, overflow }),
    );
    const item = (n: number) => `${n}`.padStart(30, '.');
    q.enqueue(item(0)); // memory: 30 bytes, full
    q.enqueue(item(1)); // to the store: 30 bytes wait for it
    await sleep(5);
    for (let i = 2; i < 5; i++) q.enqueue(item(i)); // beyond 2 × 25 waiting bytes: dropped
    assert.deepEqual(q.stats().dropped, { spool_backlog: 3 });
    release();
    await until(() => overflow.items.length === 1);
    assert.deepEqual(overflow.items, [item(1)]);
    await q.close(10);
  });

  it('hands over what is spilled while the store is busy together, in order (group commit)', async () => {
    const { sink } = recordingSink<number>(() => new Promise(() => {}));
    const overflow = memoryOverflow<number>();
    const accepts: number[] = [];
    const accept = overflow.accept.bind(overflow);
    overflow.accept = async (items, reason) => {
      accepts.push(items.length);
      await sleep(20);
      await accept(items, reason);
    };
    const q = createDeliveryQueue(queueOptions(sink, { maxQueued: 2, maxBatchSize: 2, overflow }));
    q.enqueueMany([0, 1]); // memory is full from here on
    for (let i = 2; i < 1002; i++) {
      q.enqueue(i);
      if (i % 100 === 0) await sleep(1);
    }
    await until(() => overflow.items.length === 1000);
    assert.deepEqual(
      overflow.items,
      Array.from({ length: 1000 }, (_, i) => i + 2),
    );
    // One at a time each would be 1,000 hand-overs; a few large ones instead (5 on a quiet
    // machine; more when the sleeps above stretch under load).
    assert.ok(accepts.length <= 25, `${accepts.length} hand-overs: ${accepts.join(', ')}`);
    await q.close(10);
  });

  it('once full, takes items into memory again only when drained to half', async () => {
    let release!: () => void;
    let gate = new Promise<void>((r) => {
      release = r;
    });
    const { sink } = recordingSink<number>(() => gate);
    // A store that keeps what it takes (nothing is replayed, so memory alone is watched).
    const overflow = { ...memoryOverflow<number>(), size: () => 0 };
    const q = createDeliveryQueue(queueOptions(sink, { maxQueued: 8, maxBatchSize: 2, overflow }));
    q.enqueueMany([1, 2, 3, 4, 5, 6, 7, 8]); // 2 in flight, 6 waiting: full
    q.enqueue(9);
    await until(() => overflow.items.length === 1);
    // Two delivered: 6 held of 8, more than half, so new items still go to the store.
    release();
    gate = new Promise<void>((r) => {
      release = r;
    });
    await until(() => q.stats().delivered === 2);
    q.enqueue(10);
    await until(() => overflow.items.length === 2);
    assert.equal(q.stats().queued + q.stats().inFlight, 6);
    // Two more: 4 held, half: the queue takes items again.
    release();
    await until(() => q.stats().delivered >= 4);
    q.enqueue(11);
    assert.equal(overflow.items.length, 2);
    // 1 to 8 and 11 delivered from memory; 9 and 10 stay in the store (it replays nothing).
    await q.flush();
    assert.equal(q.stats().delivered, 9);
    await q.close(10);
  });

  it('disk-first: every item goes through the overflow store, and is delivered from it', async () => {
    const { sink, written } = recordingSink<number>(() => {});
    const overflow = memoryOverflow<number>();
    const q = createDeliveryQueue(
      queueOptions(sink, { maxBatchSize: 4, flushIntervalMs: 50, overflow, diskFirst: true }),
    );
    q.enqueueMany([1, 2, 3, 4, 5, 6]);
    assert.equal(q.stats().queued, 0, 'nothing waits in memory');
    await until(() => q.stats().delivered === 6);
    // Batched like the memory path: a full chunk at once, the rest after the flush interval.
    assert.deepEqual(written, [
      [1, 2, 3, 4],
      [5, 6],
    ]);
    assert.ok(overflow.reasons.every((r) => r === 'disk_first'));
    assert.equal(overflow.items.length, 0, 'committed once written');
    await q.close(100);
  });

  it('replays what an overflow store already holds when the queue starts', async () => {
    const { sink, written } = recordingSink<string>(() => {});
    const overflow = memoryOverflow<string>();
    overflow.items.push('old1', 'old2', 'old3');
    const q = createDeliveryQueue(queueOptions(sink, { overflow }));
    await until(() => overflow.items.length === 0);
    assert.deepEqual(written.flat(), ['old1', 'old2', 'old3']);
    await q.close(100);
  });

  it('counts items the overflow store refuses, with its reason', async () => {
    const { sink } = recordingSink<number>(() => new Promise(() => {}));
    const overflow: Overflow<number> = {
      accept: async () => {
        throw Object.assign(new Error('spool full'), { reason: 'spool_full' });
      },
      size: () => 0,
      peek: async () => [],
      commit: async () => {},
    };
    const q = createDeliveryQueue(queueOptions(sink, { maxQueued: 2, maxBatchSize: 2, overflow }));
    q.enqueueMany([1, 2, 3, 4, 5]);
    await until(() => (q.stats().dropped.spool_full ?? 0) === 3);
    await q.close(10);
    // The 2 in flight at the deadline go to the store too, which refuses them as well.
    assert.deepEqual(q.stats().dropped, { spool_full: 5 });
  });
});

describe('delivery queue close', () => {
  it('writes what is left before closing when the sink is healthy', async () => {
    const { sink, written } = recordingSink<number>(() => {});
    const q = createDeliveryQueue(queueOptions(sink, { maxBatchSize: 100 }));
    q.enqueueMany([1, 2, 3]);
    await q.close(1000);
    assert.deepEqual(written, [[1, 2, 3]]);
    q.enqueue(4);
    assert.deepEqual(q.stats().dropped, { shutdown: 1 });
  });

  it('aborts the write in flight at the deadline and counts the rest as shutdown drops', async () => {
    let aborted = false;
    const { sink } = recordingSink<number>(
      (_b, _a, signal) =>
        new Promise((_resolve, reject) => {
          signal?.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('aborted'));
          });
        }),
    );
    const q = createDeliveryQueue(queueOptions(sink, { maxBatchSize: 2 }));
    q.enqueueMany([1, 2, 3, 4, 5]);
    await sleep(5);
    const start = performance.now();
    await q.close(50);
    const took = performance.now() - start;
    assert.ok(aborted);
    assert.ok(took >= 45 && took < 1000, `close took ${took} ms`);
    assert.deepEqual(q.stats().dropped, { shutdown: 5 });
    assert.equal(q.stats().inFlight, 0);
  });

  it('hands what is left at the deadline to the overflow store, in order', async () => {
    const { sink } = recordingSink<number>(() => {
      throw new DeliveryError('HTTP 503', { kind: 'retryable' });
    });
    const overflow = memoryOverflow<number>();
    const q = createDeliveryQueue(queueOptions(sink, { maxBatchSize: 2, overflow }));
    q.enqueueMany([1, 2, 3, 4, 5]);
    await q.close(30);
    assert.deepEqual(overflow.items, [1, 2, 3, 4, 5]);
    assert.ok(overflow.reasons.every((r) => r === 'shutdown' || r === 'destination_down'));
    assert.deepEqual(q.stats().dropped, {});
  });
});

describe('delivery queue while the destination is down', () => {
  it('keeps retrying in memory when the spool cannot take items', async () => {
    let down = true;
    const { sink, written } = recordingSink<number>(() => {
      if (down) throw new DeliveryError('HTTP 503', { kind: 'retryable' });
    });
    const overflow = { ...memoryOverflow<number>(), accepting: () => false };
    const queue = createDeliveryQueue(queueOptions(sink, { overflow, maxBatchSize: 3 }));
    queue.enqueueMany([1, 2, 3]);
    await until(() => queue.stats().retried >= 2);
    assert.deepEqual(overflow.items, [], 'nothing handed to an unusable spool');
    assert.deepEqual(queue.stats().dropped, {});
    down = false;
    await until(() => queue.stats().delivered === 3);
    assert.deepEqual(written, [[1, 2, 3]]);
    await queue.close(100);
  });

  it('hands the failed batch and everything after it to the spool, and retries from there', async () => {
    let down = true;
    const { sink, written } = recordingSink<number>(() => {
      if (down) throw new DeliveryError('HTTP 503', { kind: 'retryable' });
    });
    const overflow = memoryOverflow<number>();
    const queue = createDeliveryQueue(queueOptions(sink, { overflow, maxBatchSize: 3 }));
    queue.enqueueMany([1, 2, 3]); // the batch that fails: it goes to the spool
    await until(() => overflow.items.length === 3);
    assert.deepEqual(overflow.reasons, ['destination_down']);
    queue.enqueueMany([4, 5, 6, 7]);
    assert.equal(queue.stats().queued, 0, 'nothing is kept in memory while the destination fails');
    await until(() => overflow.items.length === 7);
    assert.deepEqual(overflow.items, [1, 2, 3, 4, 5, 6, 7]);
    // The retries are replays: peeked, not committed, until the destination takes them.
    await until(() => queue.stats().retried > 0);
    assert.equal(overflow.items.length, 7);
    down = false;
    await until(() => overflow.items.length === 0);
    await queue.close(1000);
    assert.deepEqual(
      written.flat().sort((a, b) => a - b),
      [1, 2, 3, 4, 5, 6, 7],
    );
  });
});
