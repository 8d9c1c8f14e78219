/**
 * The InfluxDB sink (v1) and the delivery queue against a real InfluxDB 1.x (Debian
 * `influxdb`, the shared instance of scripts/services.sh; each test uses its own database).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createDeliveryQueue } from '../../../src/delivery/queue.ts';
import { DeliveryError } from '../../../src/delivery/types.ts';
import { encodeLine } from '../../../src/destinations/influxdb/line-protocol.ts';
import { createInfluxSink, type InfluxSink } from '../../../src/destinations/influxdb/sink.ts';
import { createRecordingLogger } from '../../../src/logging/logger.ts';
import type { InfluxPoint } from '../../../src/mapping/shapes.ts';
import { queryInflux, sharedServices, uniqueName } from '../../support/services.ts';

const { influxdbUrl } = sharedServices();
const { hostname, port } = new URL(influxdbUrl);
const created: string[] = [];
/** A recent ms time: points older than the 10d retention policy would be refused. */
const NOW_MS = Date.now() - 60_000;
const NOW_NS = (BigInt(NOW_MS) * 1_000_000n).toString();

function v1Sink(database: string): InfluxSink {
  created.push(database);
  return createInfluxSink({
    version: 1,
    host: hostname,
    port: Number(port),
    v1: { database, retentionPolicy: { name: '10d', duration: '10d' } },
    timeoutMs: 5000,
    log: createRecordingLogger(),
  });
}

after(async () => {
  for (const db of created) await queryInflux(influxdbUrl, '', `DROP DATABASE "${db}"`).catch(() => {});
});

describe('InfluxDB v1 sink against real InfluxDB 1.x', () => {
  it('creates the database and its default retention policy on setup, and leaves an existing one alone', async () => {
    const db = uniqueName('lp_setup');
    const sink = v1Sink(db);
    await sink.setup();
    const rps = await queryInflux(influxdbUrl, db, `SHOW RETENTION POLICIES ON "${db}"`);
    const rows = rps[0]!.values.map((row) => Object.fromEntries(rps[0]!.columns.map((c, i) => [c, row[i]])));
    const rp = rows.find((r) => r.name === '10d');
    assert.ok(rp, `no 10d policy in ${JSON.stringify(rows)}`);
    assert.equal(rp.duration, '240h0m0s');
    assert.equal(rp.default, true);
    await sink.setup();
    const again = await queryInflux(influxdbUrl, db, `SHOW RETENTION POLICIES ON "${db}"`);
    assert.equal(again[0]!.values.length, rps[0]!.values.length);
    await sink.close();
  });

  it('writes points read back with the same field types, tags and ns timestamps', async () => {
    const db = uniqueName('lp_types');
    const sink = v1Sink(db);
    await sink.setup();
    const point: InfluxPoint = {
      measurement: 'log_event',
      tags: {
        host: 'SENSE1',
        user_full: 'CORP\\jdoe',
        app_name: 'Sales app, 2024',
        empty: '',
        gone: undefined,
      },
      fields: {
        handle: { type: 'integer', value: 5 },
        process_time: { type: 'float', value: 12.5 },
        message: { type: 'string', value: 'He said "hi"\nand left C:\\temp' },
        saturated: { type: 'boolean', value: true },
        nan: { type: 'float', value: Number.NaN },
      },
      timeMs: NOW_MS,
      timeNsOffset: 456_789,
    };
    await sink.write([encodeLine(point)]);

    const keys = await queryInflux(influxdbUrl, db, 'SHOW FIELD KEYS FROM log_event');
    const types = Object.fromEntries(keys[0]!.values.map(([k, t]) => [k, t]));
    assert.deepEqual(types, {
      handle: 'integer',
      message: 'string',
      process_time: 'float',
      saturated: 'boolean',
    });

    const tagKeys = await queryInflux(influxdbUrl, db, 'SHOW TAG KEYS FROM log_event');
    assert.deepEqual(tagKeys[0]!.values.flat().sort(), ['app_name', 'host', 'user_full']);

    const url = new URL('/query', influxdbUrl);
    url.searchParams.set('db', db);
    url.searchParams.set('epoch', 'ns');
    url.searchParams.set('q', 'SELECT * FROM log_event');
    const body = (await (await fetch(url, { method: 'POST' })).json()) as {
      results: { series: { columns: string[]; values: unknown[][] }[] }[];
    };
    const series = body.results[0]!.series[0]!;
    const row = Object.fromEntries(series.columns.map((c, i) => [c, series.values[0]![i]]));
    assert.equal(row.user_full, 'CORP\\jdoe');
    assert.equal(row.app_name, 'Sales app, 2024');
    assert.equal(row.message, 'He said "hi"\nand left C:\\temp');
    assert.equal(row.handle, 5);
    assert.equal(row.process_time, 12.5);
    assert.equal(row.saturated, true);
    // JSON numbers lose ns precision: compare the raw text of the response instead.
    const raw = await (await fetch(url, { method: 'POST' })).text();
    assert.ok(raw.includes((BigInt(NOW_NS) + 456_789n).toString()), raw);
    await sink.close();
  });

  it('rejects a field type conflict as a rejected write naming the destination', async () => {
    const db = uniqueName('lp_conflict');
    const sink = v1Sink(db);
    await sink.setup();
    await sink.write([`m v=1.5 ${NOW_NS}`]);
    try {
      await sink.write([`m v=2i ${NOW_NS}`]);
      assert.fail('conflicting write accepted');
    } catch (error) {
      assert.ok(error instanceof DeliveryError);
      assert.equal(error.kind, 'rejected');
      assert.match(
        error.message,
        new RegExp(`^InfluxDB v1 at ${influxdbUrl} db=${db}: .*HTTP 400: .*field type conflict`),
      );
    }
    await sink.close();
  });

  it('behind the queue: a bad line costs only itself, and rewrites never duplicate points', async () => {
    const db = uniqueName('lp_queue');
    const sink = v1Sink(db);
    await sink.setup();
    const queue = createDeliveryQueue<string>({
      name: sink.describe(),
      sink,
      maxQueued: 10_000,
      maxBatchSize: 500,
      flushIntervalMs: 50,
      retry: { initialMs: 10, maxMs: 100, jitter: true },
      log: createRecordingLogger(),
    });
    const lines: string[] = [];
    for (let i = 0; i < 1000; i++) {
      lines.push(
        encodeLine({
          measurement: 'event_count',
          tags: { source: 'qseow-engine', host: 'SENSE1' },
          fields: { counter: { type: 'float', value: i } },
          timeMs: NOW_MS,
          timeNsOffset: i,
        }),
      );
    }
    lines[321] = 'event_count,source=x counter='; // malformed
    lines[654] = `event_count,source=x counter=1i ${NOW_NS}`; // type conflict
    queue.enqueueMany(lines);
    await queue.flush();
    const stats = queue.stats();
    assert.equal(stats.delivered, 998);
    assert.deepEqual(stats.dropped, { rejected: 2 });
    const count = await queryInflux(influxdbUrl, db, 'SELECT count(counter) FROM event_count');
    assert.equal(count[0]!.values[0]![1], 998);
    await queue.close(1000);
    await sink.close();
  });
});

describe('InfluxDB v1 sink errors', () => {
  let sink: InfluxSink;
  before(() => {
    sink = createInfluxSink({
      version: 1,
      host: '127.0.0.1',
      port: 1,
      v1: {
        database: 'x',
        username: 'admin',
        password: 'hunter22',
        retentionPolicy: { name: 'a', duration: '1d' },
      },
      timeoutMs: 1000,
      log: createRecordingLogger(),
    });
  });
  after(() => sink.close());

  it('reports a refused connection as retryable with the destination, without the password', async () => {
    await assert.rejects(sink.write(['m v=1']), (error: unknown) => {
      assert.ok(error instanceof DeliveryError);
      assert.equal(error.kind, 'retryable');
      assert.match(error.message, /^InfluxDB v1 at http:\/\/127\.0\.0\.1:1 db=x: .*ECONNREFUSED/);
      assert.ok(!error.message.includes('hunter22'));
      return true;
    });
    await assert.rejects(sink.setup(), /InfluxDB v1 at http:\/\/127\.0\.0\.1:1 db=x: .*ECONNREFUSED/);
  });
});
