/**
 * The encoder's slabs are written again once the queue has released every line on them. A
 * line released too early would be overwritten while still queued, so the queue test below
 * checks every delivered line's bytes against the text it was encoded from, through spills to
 * a real disk spool, replays, refused items and retries.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDeliveryQueue } from '../../../../src/delivery/queue.ts';
import { createDiskSpool } from '../../../../src/delivery/spool/index.ts';
import { DeliveryError, type DeliverySink } from '../../../../src/delivery/types.ts';
import {
  asText,
  type LineItem,
  LineSlab,
  lineBytes,
  lineSpoolCodec,
} from '../../../../src/destinations/influxdb/line-bytes.ts';
import { createRecordingLogger } from '../../../../src/logging/logger.ts';
import type { InfluxPoint } from '../../../../src/mapping/shapes.ts';

const roots: string[] = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** A point whose line is about 1 KB and says which it is. */
function point(id: number): InfluxPoint {
  return {
    measurement: 'm',
    tags: { id: String(id) },
    fields: {
      n: { type: 'integer', value: id },
      text: { type: 'string', value: `${id}:${'x'.repeat(1000)}` },
    },
    timeMs: 1_700_000_000_000 + id,
  };
}

function expectedText(id: number): string {
  return `m,id=${id} n=${id}i,text="${id}:${'x'.repeat(1000)}" ${1_700_000_000_000 + id}000000`;
}

function encode(slab: LineSlab, id: number): Buffer {
  const line = slab.encode(point(id));
  assert.ok(line);
  return line;
}

/** Encodes lines until one lands on another slab than `line`; returns those lines. */
function fillPast(slab: LineSlab, line: Buffer, from: number): Buffer[] {
  const lines: Buffer[] = [];
  for (let id = from; ; id++) {
    const next = encode(slab, id);
    lines.push(next);
    if (next.buffer !== line.buffer) return lines;
  }
}

describe('LineSlab recycling', () => {
  it('writes a slab again once all its lines are released, and not before', () => {
    const slab = new LineSlab({ recycle: true });
    const first = encode(slab, 0);
    const firstSlab = fillPast(slab, first, 1);
    const second = firstSlab.pop()!; // the first line on the second slab
    const held = firstSlab[5]!;
    slab.release([first, ...firstSlab.filter((line) => line !== held)]);
    // One line of the first slab is still held: filling the second slab takes a new one.
    const secondSlab = fillPast(slab, second, 100_000);
    const third = secondSlab.at(-1)!;
    assert.notEqual(third.buffer, first.buffer);
    assert.equal(asText(held), expectedText(6));
    // Released, the first slab is reused when the third one is full.
    slab.release([held]);
    const thirdSlab = fillPast(slab, third, 200_000);
    assert.equal(thirdSlab.at(-1)!.buffer, first.buffer);
    assert.equal(slab.freeSlabs, 0);
  });

  it('ignores lines it did not encode, and never recycles without being asked', () => {
    const plain = new LineSlab();
    const line = encode(plain, 1);
    const rest = fillPast(plain, line, 2);
    plain.release([line, ...rest.slice(0, -1), 'a string line', Buffer.from('elsewhere')]);
    const next = fillPast(plain, rest.at(-1)!, 100_000);
    assert.notEqual(next.at(-1)!.buffer, line.buffer);
    assert.equal(asText(line), expectedText(1));
  });
});

describe('the delivery queue releases each line once, when nothing reads it any more', () => {
  it('delivers every line intact through spills, replays, refusals and retries', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'slab-queue-'));
    roots.push(directory);
    // Small slabs, so that each is reused many times during the run.
    const slab = new LineSlab({ recycle: true, slabBytes: 16 * 1024 });
    const delivered = new Map<number, number>();
    const corrupt: string[] = [];
    let refused = 0;
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const sink: DeliverySink<LineItem> = {
      async write(batch) {
        await sleep(random() < 0.5 ? 0 : 2);
        // The bytes are read as a real sink would send them, after the wait.
        const texts = batch.map(asText);
        const roll = random();
        if (roll < 0.15) throw new DeliveryError('connect ECONNREFUSED', { kind: 'retryable' });
        if (roll < 0.2 && batch.length > 1) {
          refused++;
          throw new DeliveryError('partial write: bad line', { kind: 'rejected', badItems: [0] });
        }
        for (const text of texts) {
          const id = Number(/^m,id=(\d+) /.exec(text)?.[1]);
          if (text !== expectedText(id)) corrupt.push(text.slice(0, 60));
          else delivered.set(id, (delivered.get(id) ?? 0) + 1);
        }
      },
      spoolCodec: lineSpoolCodec(slab),
      sizeOf: lineBytes,
      release: (lines) => slab.release(lines),
    };
    const spool = createDiskSpool<LineItem>({
      directory,
      name: 'influx',
      maxBytes: 64 << 20,
      log: createRecordingLogger(),
      encode: sink.spoolCodec!.encode,
      decodeBytes: sink.spoolCodec!.decode,
    });
    // The spool takes its time, as a busy disk does: lines wait for it while more are encoded.
    const accept = spool.accept.bind(spool);
    spool.accept = async (items, reason) => {
      await sleep(2);
      await accept(items, reason);
    };
    const queue = createDeliveryQueue<LineItem>({
      name: 'recycling sink',
      sink,
      maxQueued: 400,
      maxQueuedBytes: 300 * 1024,
      maxBatchSize: 50,
      flushIntervalMs: 2,
      retry: { initialMs: 1, maxMs: 5, jitter: 0 },
      overflow: spool,
      random,
      log: createRecordingLogger(),
    });
    const total = 12_000;
    for (let id = 0; id < total; id++) {
      queue.enqueue(encode(slab, id));
      if (id % 100 === 99) await sleep(1);
    }
    const until = Date.now() + 30_000;
    // Refused lines are dropped, and so are lines the slowed spool cannot take in time.
    const settled = () => {
      const { rejected = 0, spool_backlog = 0 } = queue.stats().dropped;
      return delivered.size + rejected + spool_backlog;
    };
    while (settled() < total && Date.now() < until) {
      await queue.flush();
      await sleep(10);
    }
    await queue.close(1000);
    assert.deepEqual(corrupt, []);
    const stats = queue.stats();
    assert.ok(refused > 0 && stats.overflowed > 0, 'the run went through refusals and the spool');
    assert.deepEqual(
      Object.keys(stats.dropped).filter((reason) => reason !== 'rejected' && reason !== 'spool_backlog'),
      [],
    );
    assert.equal(settled(), total);
  });
});
