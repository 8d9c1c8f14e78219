import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createDiskSpool,
  type DiskSpoolOptions,
  inspectSpool,
  spoolNameFor,
} from '../../../../src/delivery/spool/index.ts';
import { createRecordingLogger } from '../../../../src/logging/logger.ts';

const roots: string[] = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'spool-test-'));
  roots.push(dir);
  return dir;
}

/** A string spool (identity encoding), so frame sizes are easy to reason about. */
function stringSpool(directory: string, more: Partial<DiskSpoolOptions<string>> = {}) {
  const log = createRecordingLogger();
  const spool = createDiskSpool<string>({
    directory,
    name: 'sink-a',
    maxBytes: 10 * 1024 * 1024,
    encode: (s) => s,
    decode: (s) => s,
    log,
    ...more,
  });
  return { spool, log };
}

function segmentFiles(directory: string, name = 'sink-a'): string[] {
  return readdirSync(join(directory, name))
    .filter((f) => f.endsWith('.seg'))
    .sort()
    .map((f) => join(directory, name, f));
}

const labels = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `item-${from + i}`);
/** Fixed-size payloads: frame = 12 header bytes + 100 payload bytes. */
const fixed = (i: number) => `r${String(i).padStart(99, '0')}`;

describe('disk spool: accept, peek, commit', () => {
  it('replays in order, peek does not remove, commit does', async () => {
    const dir = tempDir();
    const { spool } = stringSpool(dir);
    await spool.accept(labels(0, 5), 'queue_full');
    await spool.accept(labels(5, 8), 'shutdown');
    assert.equal(spool.size(), 8);
    assert.deepEqual(await spool.peek(3), labels(0, 3));
    assert.deepEqual(await spool.peek(3), labels(0, 3), 'peek again gives the same items');
    await spool.commit(2);
    assert.equal(spool.size(), 6);
    assert.deepEqual(await spool.peek(10), labels(2, 8));
    await spool.commit(6);
    assert.equal(spool.size(), 0);
    assert.deepEqual(await spool.peek(10), []);
    await spool.close();
    await assert.rejects(spool.accept(['late'], 'shutdown'), { reason: 'spool_closed' });
  });

  it('matches a simple in-memory model over random accepts, peeks, commits and reopens', async () => {
    const dir = tempDir();
    let seed = 42;
    const random = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const model: string[] = [];
    let counter = 0;
    let { spool } = stringSpool(dir, { segmentBytes: 300 });
    for (let step = 0; step < 400; step++) {
      const action = random(10);
      if (action < 5) {
        const batch = Array.from({ length: random(12) }, () => `v${counter++}-${'x'.repeat(random(40))}`);
        await spool.accept(batch, 'queue_full');
        model.push(...batch);
      } else if (action < 9) {
        const max = random(15);
        const items = await spool.peek(max);
        assert.deepEqual(items, model.slice(0, max));
        const count = random(items.length + 1);
        await spool.commit(count);
        model.splice(0, count);
      } else {
        await spool.close();
        ({ spool } = stringSpool(dir, { segmentBytes: 300 }));
        await spool.ready;
      }
      assert.equal(spool.size(), model.length);
    }
    assert.deepEqual(await spool.peek(model.length), model);
    assert.deepEqual(spool.stats().droppedByReason, {});
    await spool.close();
  });

  it('keeps any JSON-encodable item by default', async () => {
    const dir = tempDir();
    const log = createRecordingLogger();
    type Point = { measurement: string; fields: Record<string, number>; text: string };
    const spool = createDiskSpool<Point>({ directory: dir, name: 'json', maxBytes: 1_000_000, log });
    const items: Point[] = [
      { measurement: 'log_event', fields: { n: 1 }, text: 'ünïcödé ✓ "quoted"\nnew line' },
      { measurement: 'user_events', fields: { n: 2 }, text: '' },
    ];
    await spool.accept(items, 'queue_full');
    assert.deepEqual(await spool.peek(5), items);
    await spool.close();
  });

  it('replays across many segments and deletes each segment once committed', async () => {
    const dir = tempDir();
    const { spool } = stringSpool(dir, { segmentBytes: 8 + 5 * 112 });
    for (let i = 0; i < 40; i += 4)
      await spool.accept(
        [0, 1, 2, 3].map((k) => fixed(i + k)),
        'queue_full',
      );
    assert.equal(spool.stats().segments, 8, '40 records, 5 per segment');
    assert.equal(segmentFiles(dir).length, 8);
    const seen: string[] = [];
    while (spool.size() > 0) {
      const items = await spool.peek(7);
      seen.push(...items);
      await spool.commit(items.length);
    }
    assert.deepEqual(
      seen,
      Array.from({ length: 40 }, (_, i) => fixed(i)),
    );
    assert.ok(segmentFiles(dir).length <= 1, 'only the segment still written to may remain');
    await spool.close();
  });

  it('counts items it cannot encode or decode, and keeps the rest', async () => {
    const dir = tempDir();
    const log = createRecordingLogger();
    const circular: Record<string, unknown> = { id: 'loop' };
    circular.self = circular;
    const spool = createDiskSpool<Record<string, unknown>>({
      directory: dir,
      name: 'codec',
      maxBytes: 1_000_000,
      log,
      decode: (text) => {
        const value = JSON.parse(text) as Record<string, unknown>;
        if (value.id === 'poison') throw new Error('cannot decode');
        return value;
      },
    });
    await spool.accept([{ id: 'a' }, circular, { id: 'poison' }, { id: 'b' }], 'queue_full');
    assert.deepEqual(spool.stats().droppedByReason, { unencodable: 1 });
    assert.equal(spool.size(), 3);
    assert.deepEqual(await spool.peek(10), [{ id: 'a' }, { id: 'b' }]);
    assert.deepEqual(spool.stats().droppedByReason, { unencodable: 1, undecodable: 1 });
    await spool.commit(2);
    assert.equal(spool.size(), 0);
    assert.ok(log.lines.some((l) => l.level === 'warn' && /records dropped/.test(l.message)));
    await spool.close();
  });

  it('refuses unsafe names and bad sizes with a clear error', () => {
    const log = createRecordingLogger();
    for (const name of ['../up', 'a/b', '', '.hidden', 'x'.repeat(101)]) {
      assert.throws(
        () => createDiskSpool({ directory: tempDir(), name, maxBytes: 1000, log }),
        /not a safe file name/,
      );
    }
    assert.throws(() => createDiskSpool({ directory: tempDir(), name: 'ok', maxBytes: 0, log }), /maxBytes/);
    const made = spoolNameFor('InfluxDB v1 at http://host:8086 db=SenseOps');
    assert.match(made, /^[a-z0-9][a-z0-9._-]*$/);
    assert.notEqual(made, spoolNameFor('InfluxDB v1 at http://host:8086 db=SenseOps2'));
    assert.doesNotMatch(spoolNameFor('MQTT at mqtt://admin:s3cret@broker:1883'), /s3cret|admin/);
  });

  it('reports an unusable folder without crashing: accept is refused with a reason', async () => {
    const dir = tempDir();
    const blocker = join(dir, 'not-a-folder');
    writeFileSync(blocker, 'x');
    const { spool, log } = stringSpool(blocker);
    await spool.ready;
    await assert.rejects(spool.accept(['a'], 'queue_full'), { reason: 'spool_unavailable' });
    assert.deepEqual(await spool.peek(5), []);
    assert.equal(spool.size(), 0);
    assert.ok(log.lines.some((l) => l.level === 'error' && /cannot use spool folder/.test(l.message)));
    await spool.close();
  });
});

describe('disk spool: reopening', () => {
  it('finds what a previous run left, from the committed position, and tells listeners', async () => {
    const dir = tempDir();
    const first = stringSpool(dir, { segmentBytes: 200 });
    await first.spool.accept(labels(0, 20), 'queue_full');
    assert.deepEqual(await first.spool.peek(5), labels(0, 5));
    await first.spool.commit(5);
    assert.deepEqual(await first.spool.peek(3), labels(5, 8)); // peeked, never committed
    await first.spool.close();

    const second = stringSpool(dir, { segmentBytes: 200 });
    let told = 0;
    second.spool.onAvailable?.(() => told++);
    await second.spool.ready;
    await sleep(0);
    assert.equal(told, 1);
    assert.equal(second.spool.size(), 15);
    assert.deepEqual(await second.spool.peek(100), labels(5, 20));
    assert.ok(second.log.lines.some((l) => l.level === 'info' && /found 15 record/.test(l.message)));
    // New items go after the old ones.
    await second.spool.accept(['new-1'], 'queue_full');
    assert.deepEqual((await second.spool.peek(100)).slice(-2), ['item-19', 'new-1']);
    await second.spool.commit(16);
    await second.spool.close();

    const third = stringSpool(dir, { segmentBytes: 200 });
    await third.spool.ready;
    assert.equal(third.spool.size(), 0);
    await third.spool.close();
  });

  it('keeps the good records before a torn tail and counts the torn one', async () => {
    const dir = tempDir();
    const first = stringSpool(dir);
    await first.spool.accept(
      Array.from({ length: 10 }, (_, i) => fixed(i)),
      'queue_full',
    );
    await first.spool.close();
    const [file] = segmentFiles(dir);
    const fullSize = statSync(file!).size;
    assert.equal(fullSize, 8 + 10 * 112);
    truncateSync(file!, fullSize - 40); // the last record is cut in the middle

    const second = stringSpool(dir);
    await second.spool.ready;
    assert.equal(second.spool.size(), 9);
    assert.deepEqual(second.spool.stats().droppedByReason, { corrupt: 1 });
    assert.equal(statSync(file!).size, 8 + 9 * 112, 'the torn tail is cut off');
    const warnings = second.log.lines.filter((l) => l.level === 'warn');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.message, /damaged/);
    assert.deepEqual(
      await second.spool.peek(20),
      Array.from({ length: 9 }, (_, i) => fixed(i)),
    );
    await second.spool.close();
  });

  it('detects a flipped byte in a payload and in a length field, keeping the records around it', async () => {
    const dir = tempDir();
    const first = stringSpool(dir);
    await first.spool.accept(
      Array.from({ length: 10 }, (_, i) => fixed(i)),
      'queue_full',
    );
    await first.spool.close();
    const [file] = segmentFiles(dir);
    const bytes = readFileSync(file!);
    bytes[8 + 3 * 112 + 12 + 50]! ^= 0xff; // payload of record 3
    bytes[8 + 6 * 112 + 5]! ^= 0x10; // length field of record 6
    writeFileSync(file!, bytes);

    const second = stringSpool(dir);
    await second.spool.ready;
    assert.equal(second.spool.size(), 8);
    assert.deepEqual(second.spool.stats().droppedByReason, { corrupt: 2 });
    const expected = [0, 1, 2, 4, 5, 7, 8, 9].map(fixed);
    assert.deepEqual(await second.spool.peek(20), expected);
    await second.spool.commit(8);
    assert.deepEqual(second.spool.stats().droppedByReason, { corrupt: 2 }, 'not counted again on replay');
    assert.equal(second.log.lines.filter((l) => l.level === 'warn').length, 1, 'logged once');
    await second.spool.accept(['after'], 'queue_full');
    await second.spool.close();

    // The damaged segment was rewritten without the damage: a later start finds none.
    const third = stringSpool(dir);
    await third.spool.ready;
    assert.deepEqual(third.spool.stats().droppedByReason, {});
    assert.deepEqual(await third.spool.peek(5), ['after']);
    await third.spool.close();
  });

  it('keeps the records of a segment whose header was damaged', async () => {
    const dir = tempDir();
    const first = stringSpool(dir);
    await first.spool.accept(['a', 'b', 'c'], 'queue_full');
    await first.spool.close();
    const [file] = segmentFiles(dir);
    const bytes = readFileSync(file!);
    bytes[2]! ^= 0xff;
    writeFileSync(file!, bytes);
    const second = stringSpool(dir);
    assert.deepEqual(await second.spool.peek(5), ['a', 'b', 'c']);
    assert.deepEqual(second.spool.stats().droppedByReason, {});
    assert.equal(readFileSync(file!).subarray(0, 8).toString('latin1'), 'BSOSSPL1', 'header repaired');
    await second.spool.close();
  });

  it('counts damage that appears while running, when replay reaches it', async () => {
    const dir = tempDir();
    const { spool } = stringSpool(dir);
    await spool.accept(
      Array.from({ length: 5 }, (_, i) => fixed(i)),
      'queue_full',
    );
    const [file] = segmentFiles(dir);
    const bytes = readFileSync(file!);
    bytes[8 + 2 * 112 + 20]! ^= 0x01;
    writeFileSync(file!, bytes);
    assert.deepEqual(await spool.peek(10), [0, 1, 3, 4].map(fixed));
    assert.equal(spool.size(), 4);
    assert.deepEqual(spool.stats().droppedByReason, { corrupt: 1 });
    await spool.close();
  });
});

describe('disk spool: size cap', () => {
  const segmentBytes = 8 + 4 * 112; // four records per segment

  it('drop_oldest drops the oldest whole segments and counts every record', async () => {
    const dir = tempDir();
    const { spool, log } = stringSpool(dir, { segmentBytes, maxBytes: 3 * segmentBytes });
    for (let i = 0; i < 20; i++) await spool.accept([fixed(i)], 'queue_full');
    // Segments 1 and 2 (records 0-7) were dropped to make room for records 12-19.
    assert.deepEqual(spool.stats().droppedByReason, { spool_full: 8 });
    assert.equal(spool.size(), 12);
    assert.ok(spool.stats().bytes <= 3 * segmentBytes);
    assert.deepEqual(
      await spool.peek(100),
      Array.from({ length: 12 }, (_, i) => fixed(8 + i)),
    );
    const warnings = log.lines.filter((l) => l.level === 'warn');
    assert.equal(warnings.length, 1, 'rate-limited: one warning for both drops');
    assert.deepEqual(warnings[0]!.context?.dropped, { spool_full: 4 });
    await spool.close();
  });

  it('drop_oldest keeps records already peeked for delivery', async () => {
    const dir = tempDir();
    const { spool } = stringSpool(dir, { segmentBytes, maxBytes: 2 * segmentBytes });
    await spool.accept(
      Array.from({ length: 8 }, (_, i) => fixed(i)),
      'queue_full',
    );
    assert.deepEqual(await spool.peek(2), [fixed(0), fixed(1)]); // in delivery
    await spool.accept([fixed(8)], 'queue_full');
    // Records 2 and 3 (the unread rest of the first segment) made room.
    assert.deepEqual(spool.stats().droppedByReason, { spool_full: 2 });
    await spool.commit(2);
    assert.deepEqual(await spool.peek(100), [4, 5, 6, 7, 8].map(fixed));
    await spool.close();
  });

  it('drop_newest refuses what does not fit and counts it', async () => {
    const dir = tempDir();
    const { spool } = stringSpool(dir, { dropPolicy: 'drop_newest', maxBytes: 8 + 10 * 112 });
    await spool.accept(
      Array.from({ length: 15 }, (_, i) => fixed(i)),
      'queue_full',
    );
    await spool.accept([fixed(15)], 'queue_full');
    assert.deepEqual(spool.stats().droppedByReason, { spool_full: 6 });
    assert.deepEqual(
      await spool.peek(100),
      Array.from({ length: 10 }, (_, i) => fixed(i)),
    );
    // Room again once replayed and committed.
    await spool.commit(10);
    await spool.accept([fixed(16)], 'queue_full');
    assert.deepEqual(await spool.peek(100), [fixed(16)]);
    await spool.close();
  });
});

describe('disk spool: crash', () => {
  it('after SIGKILL mid-stream, a reopened spool has everything acknowledged and not committed', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, [join(import.meta.dirname, 'crash-child.ts'), dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let lastAcked = -1;
    let lastCommitted = -1;
    let phase2Lines = 0;
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, sig) => resolve(sig)),
    );
    try {
      for await (const line of createInterface({ input: child.stdout! })) {
        const [word, value] = line.split(' ');
        if (word === 'acked') lastAcked = Number(value);
        else if (word === 'committed') lastCommitted = Number(value);
        else if (word === 'phase2' && ++phase2Lines === 40) {
          child.kill('SIGKILL');
          break;
        }
      }
    } finally {
      child.kill('SIGKILL');
    }
    assert.equal(await exited, 'SIGKILL');
    assert.ok(lastCommitted > 0 && lastAcked > 2000, `child made progress (${lastCommitted}, ${lastAcked})`);

    const log = createRecordingLogger();
    const spool = createDiskSpool<number>({ directory: dir, name: 'crash', maxBytes: 1024 ** 3, log });
    await spool.ready;
    const items = await spool.peek(spool.size());
    assert.equal(items.length, spool.size());
    assert.equal(items[0], lastCommitted + 1, 'replay starts right after the last commit');
    items.forEach((item, i) => {
      assert.equal(item, lastCommitted + 1 + i, 'no gaps, no duplicates');
    });
    assert.ok(items.at(-1)! >= lastAcked, 'everything acknowledged is there');
    assert.ok((spool.stats().droppedByReason.corrupt ?? 0) <= 1, 'at most the torn last write');
    await spool.close();
  });
});

describe('disk spool: inspect', () => {
  it('reports what waits, with damage, without changing any file', async () => {
    const dir = tempDir();
    const { spool } = stringSpool(dir);
    await spool.accept(
      Array.from({ length: 6 }, (_, i) => fixed(i)),
      'queue_full',
    );
    await spool.peek(2);
    await spool.commit(2);
    await spool.close();
    const [file] = segmentFiles(dir);
    truncateSync(file!, statSync(file!).size - 10);
    const before = readFileSync(file!);
    const report = await inspectSpool(dir, 'sink-a', 2);
    assert.equal(report.records, 3);
    assert.deepEqual(report.sample, [fixed(2), fixed(3)]);
    assert.equal(report.damaged.length, 1);
    assert.equal(report.damaged[0]!.lost, 1);
    assert.deepEqual(readFileSync(file!), before);
  });
});
