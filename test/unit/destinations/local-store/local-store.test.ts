import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createDeliveryQueue } from '../../../../src/delivery/queue.ts';
import { DeliveryError } from '../../../../src/delivery/types.ts';
import { createLocalStore, StoreQueryError } from '../../../../src/destinations/local-store/local-store.ts';
import { createRecordingLogger } from '../../../../src/logging/logger.ts';
import type { InfluxPoint } from '../../../../src/mapping/shapes.ts';

const dir = mkdtempSync(join(tmpdir(), 'local-store-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
const freshFile = () => join(dir, `s${fileNo++}`, 'store.sqlite');

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

function cpu(server: string, total: number, timeMs: number): InfluxPoint {
  return {
    measurement: 'cpu',
    tags: { host: `${server}.corp`, server_name: server, server_description: '' },
    fields: { total: { type: 'float', value: total } },
    timeMs,
  };
}

function logEvent(i: number, level: string, host: string, message: string, timeMs: number): InfluxPoint {
  return {
    measurement: 'log_event',
    tags: { host, level, source: i % 2 === 0 ? 'qseow-proxy' : 'qseow-engine', log_row: String(i) },
    fields: { message: { type: 'string', value: message } },
    timeMs,
  };
}

describe('local store', () => {
  test('keeps points and answers series, latest, events and facets queries', async () => {
    let now = T0;
    const store = createLocalStore({ file: freshFile(), log: createRecordingLogger(), now: () => now });
    try {
      await store.write([cpu('a', 10, T0 - 60_000), cpu('b', 50, T0 - 60_000), cpu('a', 30, T0 - 30_000)]);
      await store.write([
        {
          measurement: 'saturated',
          tags: { server_name: 'a' },
          fields: { saturated: { type: 'boolean', value: true } },
          timeMs: T0 - 10_000,
        },
      ]);
      const r = store.series({ measurement: 'cpu', fields: ['total'], sinceMs: T0 - HOUR, maxPoints: 3600 });
      assert.equal(r.bucketMs, 1000);
      assert.deepEqual(
        r.series.map((s) => [s.tags.server_name, s.time, s.values.total]),
        [
          ['a', [T0 - 60_000, T0 - 30_000], [10, 30]],
          ['b', [T0 - 60_000], [50]],
        ],
      );
      // Coarse buckets average the points inside them.
      const coarse = store.series({
        measurement: 'cpu',
        fields: ['total'],
        sinceMs: T0 - HOUR,
        maxPoints: 1,
      });
      assert.deepEqual(coarse.series[0]?.values.total, [20]);
      const sat = store.series({ measurement: 'saturated', fields: ['saturated'], sinceMs: T0 - HOUR });
      assert.deepEqual(sat.series[0]?.values.saturated, [1]);

      const latest = store.latest({ measurement: 'cpu' });
      assert.deepEqual(latest.map((p) => [p.tags.server_name, p.fields.total, p.timeMs]).sort(), [
        ['a', 30, T0 - 30_000],
        ['b', 50, T0 - 60_000],
      ]);
      // Empty tags are not stored.
      assert.equal('server_description' in (latest[0]?.tags ?? {}), false);

      now = T0 + 1000;
      await store.write([
        logEvent(1, 'WARN', 'sense1', 'Disk almost full on D:', T0),
        logEvent(2, 'ERROR', 'sense2', 'Connection refused by Ünïcode host', T0 + 1),
        logEvent(3, 'ERROR', 'sense1', 'Repository unreachable', T0 + 2),
      ]);
      const all = store.events({ measurement: 'log_event' });
      assert.deepEqual(
        all.map((e) => e.tags.log_row),
        ['3', '2', '1'],
      );
      const errors = store.events({ measurement: 'log_event', tags: { level: ['ERROR'] } });
      assert.deepEqual(
        errors.map((e) => e.tags.log_row),
        ['3', '2'],
      );
      const text = store.events({ measurement: 'log_event', text: 'ÜNÏCODE' });
      assert.deepEqual(
        text.map((e) => e.fields.message),
        ['Connection refused by Ünïcode host'],
      );
      const combined = store.events({
        measurement: 'log_event',
        tags: { host: ['sense1'], level: ['WARN', 'ERROR'] },
        text: 'disk',
      });
      assert.deepEqual(
        combined.map((e) => e.tags.log_row),
        ['1'],
      );
      const tail = store.events({ measurement: 'log_event', afterId: all[1]!.id });
      assert.deepEqual(
        tail.map((e) => e.tags.log_row),
        ['3'],
      );
      assert.deepEqual(store.facets({ measurement: 'log_event', tags: ['host', 'level'] }), {
        host: ['sense1', 'sense2'],
        level: ['ERROR', 'WARN'],
      });
      assert.deepEqual(store.measurements(), ['cpu', 'log_event', 'saturated']);
      assert.equal(store.stats().written, 7);
    } finally {
      store.close();
    }
  });

  test('rejects invalid names in queries with a clear error', () => {
    const store = createLocalStore({ file: ':memory:', log: createRecordingLogger() });
    try {
      assert.throws(
        () => store.series({ measurement: 'cpu', fields: ['total") --'], sinceMs: 0 }),
        (e: unknown) => e instanceof StoreQueryError && /invalid field name/.test(e.message),
      );
      assert.throws(
        () => store.events({ measurement: 'log_event', tags: { 'a"b': ['x'] } }),
        StoreQueryError,
      );
    } finally {
      store.close();
    }
  });

  test('refuses invalid points as a rejected delivery naming the bad items, and writes nothing', async () => {
    const store = createLocalStore({ file: ':memory:', log: createRecordingLogger() });
    try {
      const good = cpu('a', 1, T0);
      const noFields = { measurement: 'cpu', tags: {}, fields: {} } as InfluxPoint;
      const nanOnly = {
        measurement: 'cpu',
        tags: {},
        fields: { total: { type: 'float', value: Number.NaN } },
      };
      await assert.rejects(
        store.write([good, noFields, nanOnly as InfluxPoint, null as unknown as InfluxPoint]),
        (e: unknown) =>
          e instanceof DeliveryError && e.kind === 'rejected' && JSON.stringify(e.badItems) === '[1,2,3]',
      );
      assert.equal(store.stats().rows, 0);
      assert.equal(store.stats().rejected, 3);
      // A NaN field next to a valid one is skipped, not the whole point.
      await store.write([
        {
          measurement: 'log_event',
          tags: { level: 'INFO', host: undefined },
          fields: {
            process_time: { type: 'float', value: Number.NaN },
            message: { type: 'string', value: 'm' },
          },
        },
      ]);
      const [row] = store.events({ measurement: 'log_event' });
      assert.deepEqual(row?.fields, { message: 'm' });
      assert.deepEqual(row?.tags, { level: 'INFO' });
    } finally {
      store.close();
    }
  });

  test('retention deletes points older than retentionHours', async () => {
    let now = T0;
    const log = createRecordingLogger();
    const store = createLocalStore({ file: freshFile(), retentionHours: 2, log, now: () => now });
    try {
      await store.write([
        cpu('a', 1, T0 - 3 * HOUR),
        cpu('a', 2, T0 - 90 * 60_000),
        logEvent(1, 'WARN', 'h', 'old', T0 - 5 * HOUR),
        logEvent(2, 'WARN', 'h', 'new', T0 - 60_000),
      ]);
      store.maintain();
      assert.deepEqual(
        store.events({ measurement: 'log_event' }).map((e) => e.fields.message),
        ['new'],
      );
      assert.deepEqual(store.latest({ measurement: 'cpu' })[0]?.fields.total, 2);
      assert.equal(store.stats().pruned.age, 2);
      now = T0 + HOUR;
      store.maintain();
      assert.equal(store.stats().rows, 1);
      assert.equal(store.stats().pruned.age, 3);
    } finally {
      store.close();
    }
  });

  test('the size cap deletes the oldest points and keeps the database near maxBytes', async () => {
    const maxBytes = 1024 * 1024;
    const store = createLocalStore({
      file: freshFile(),
      maxBytes,
      log: createRecordingLogger(),
      now: () => T0,
    });
    try {
      const filler = 'x'.repeat(400);
      let i = 0;
      for (let b = 0; b < 20; b++) {
        const batch: InfluxPoint[] = [];
        for (let k = 0; k < 500; k++, i++) batch.push(logEvent(i, 'WARN', 'h', `${i} ${filler}`, T0 + i));
        await store.write(batch);
      }
      store.maintain();
      const s = store.stats();
      assert.ok(s.usedBytes <= maxBytes, `used ${s.usedBytes} > cap ${maxBytes}`);
      assert.ok(s.pruned.size > 0);
      assert.equal(s.rows + s.pruned.size, 10_000);
      // What is left is the newest points, without a gap.
      const newest = store.events({ measurement: 'log_event', limit: 1 });
      assert.equal(newest[0]?.tags.log_row, '9999');
      assert.equal(s.oldestMs, T0 + s.pruned.size);
    } finally {
      store.close();
    }
  });

  test('the size cap bounds the whole footprint on disk, write-ahead log included', async () => {
    // A cap of 4 MiB and 10 MB written: the database file plus its WAL must stay within the cap
    // after every batch, not only the pages in use (a 100 MB cap once took 130 MB on disk).
    const maxBytes = 4 * 1024 * 1024;
    const file = freshFile();
    const store = createLocalStore({ file, maxBytes, log: createRecordingLogger(), now: () => T0 });
    const onDisk = () =>
      [file, `${file}-wal`].reduce((sum, f) => sum + (existsSync(f) ? statSync(f).size : 0), 0);
    try {
      const filler = 'x'.repeat(400);
      let most = 0;
      let i = 0;
      for (let b = 0; b < 40; b++) {
        const batch: InfluxPoint[] = [];
        for (let k = 0; k < 500; k++, i++) batch.push(logEvent(i, 'WARN', 'h', `${i} ${filler}`, T0 + i));
        await store.write(batch);
        most = Math.max(most, onDisk());
      }
      store.maintain();
      most = Math.max(most, onDisk());
      const s = store.stats();
      console.log(`cap ${maxBytes} bytes: most on disk ${most}, at the end ${s.diskBytes}`);
      assert.ok(most <= maxBytes, `${most} bytes on disk > cap ${maxBytes}`);
      assert.equal(s.diskBytes, onDisk());
      assert.ok(s.pruned.size > 0);
      assert.equal(s.rows + s.pruned.size, 20_000);
      assert.equal(store.events({ measurement: 'log_event', limit: 1 })[0]?.tags.log_row, '19999');
    } finally {
      store.close();
    }
  });

  test('survives a reopen and refuses a file that is not a database', async () => {
    const file = freshFile();
    const first = createLocalStore({ file, log: createRecordingLogger() });
    await first.write([cpu('a', 5, Date.now())]);
    first.close();
    assert.ok(existsSync(file));
    const second = createLocalStore({ file, log: createRecordingLogger() });
    assert.equal(second.stats().rows, 1);
    second.close();
    await assert.rejects(second.write([cpu('a', 5, Date.now())]), /closed/);

    const notDb = join(dir, 'not-a-db.sqlite');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(notDb, 'hello, this is not SQLite'.repeat(100));
    assert.throws(
      () => createLocalStore({ file: notDb, log: createRecordingLogger() }),
      /Local store: cannot (open|use) .*not-a-db\.sqlite/,
    );
  });
  test('works as a delivery queue sink: invalid points are dropped as rejected, the rest is stored', async () => {
    const store = createLocalStore({ file: ':memory:', log: createRecordingLogger() });
    const queue = createDeliveryQueue<InfluxPoint>({
      name: 'local store',
      sink: store,
      maxQueued: 10_000,
      maxBatchSize: 500,
      flushIntervalMs: 10,
      retry: { initialMs: 10, maxMs: 50, jitter: false },
      log: createRecordingLogger(),
    });
    try {
      for (let i = 0; i < 1000; i++) queue.enqueue(logEvent(i, 'WARN', 'h', `m${i}`, T0 + i));
      queue.enqueue({ measurement: '', tags: {}, fields: { a: { type: 'float', value: 1 } } });
      await queue.flush();
      const stats = queue.stats();
      assert.equal(stats.delivered, 1000);
      assert.equal(stats.dropped.rejected, 1);
      assert.equal(store.stats().rows, 1000);
    } finally {
      await queue.close(1000);
      store.close();
    }
  });
});
