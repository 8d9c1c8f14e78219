/**
 * Delivery throughput: log_event points encoded, queued, batched and written by the
 * InfluxDB v1 sink into a real InfluxDB 1.x, measured end to end (until InfluxDB has
 * acknowledged the last batch), then counted back with InfluxQL.
 *
 *   node bench/delivery-throughput.ts [--points 200000] [--batch 1000] [--concurrency 1]
 *
 * InfluxDB: $INFLUXDB_URL, else the shared instance of `bash scripts/services.sh up`.
 */
import { parseArgs } from 'node:util';
import { createDeliveryQueue } from '../src/delivery/queue.ts';
import { encodeLine } from '../src/destinations/influxdb/line-protocol.ts';
import { createInfluxSink } from '../src/destinations/influxdb/sink.ts';
import { createLogger } from '../src/logging/logger.ts';
import { queryInflux, sharedServices, uniqueName } from '../test/support/services.ts';

const { values } = parseArgs({
  options: {
    points: { type: 'string', default: '200000' },
    batch: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '1' },
  },
});
const total = Number(values.points);
const batch = Number(values.batch);

let influxUrl = process.env.INFLUXDB_URL;
if (!influxUrl) {
  try {
    influxUrl = sharedServices().influxdbUrl;
  } catch (error) {
    console.log(
      `delivery-throughput: no InfluxDB 1.x running, nothing measured (${(error as Error).message})`,
    );
    process.exit(0);
  }
}
const { hostname, port } = new URL(influxUrl);
const database = uniqueName('bench_delivery');
const log = createLogger('warn');
const sink = createInfluxSink({
  version: 1,
  host: hostname,
  port: Number(port),
  v1: { database, retentionPolicy: { name: '1d', duration: '1d' } },
  timeoutMs: 30_000,
  log,
});
await sink.setup();
const queue = createDeliveryQueue<string>({
  name: sink.describe(),
  sink,
  maxQueued: total,
  maxBatchSize: batch,
  flushIntervalMs: 1000,
  retry: { initialMs: 100, maxMs: 10_000, jitter: true },
  log,
  concurrency: Number(values.concurrency),
});

const baseMs = Date.now() - 60_000;
const rssBefore = process.memoryUsage().rss;
const start = process.hrtime.bigint();
for (let i = 0; i < total; i++) {
  queue.enqueue(
    encodeLine({
      measurement: 'log_event',
      tags: {
        host: `SENSE${i % 3}`,
        level: i % 10 === 0 ? 'WARN' : 'INFO',
        source: 'qseow-engine',
        // log_row is a tag upstream; InfluxDB 1.x refuses more than 100 000 values per tag
        // (max-values-per-tag), so the bench cycles through 50 000.
        log_row: String(i % 50_000),
        subsystem: 'System.Engine.Engine',
        user_full: 'CORP\\jdoe',
        app_name: 'Sales app',
      },
      fields: {
        message: { type: 'string', value: `Document "Sales app" opened by CORP\\jdoe (${i})` },
        session_id: { type: 'string', value: '4c4c4c4c-4c4c-4c4c-4c4c-4c4c4c4c4c4c' },
        raw_event: { type: 'string', value: `{"source":"qseow-engine","log_row":"${i}","level":"INFO"}` },
      },
      timeMs: baseMs,
      timeNsOffset: i,
    }),
  );
  // Let the writer run, as a stream of UDP events would.
  if (i % 5000 === 4999) await new Promise((resolve) => setImmediate(resolve));
}
await queue.flush();
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const rssPeak = process.memoryUsage().rss;
const stats = queue.stats();
await queue.close(5000);
await sink.close();

const counted = await queryInflux(influxUrl, database, 'SELECT count(session_id) FROM log_event');
const stored = Number(counted[0]?.values[0]?.[1] ?? 0);
await queryInflux(influxUrl, '', `DROP DATABASE "${database}"`);

console.log(
  `delivery-throughput: ${total.toLocaleString('en')} points, batch ${batch}, concurrency ${values.concurrency} -> InfluxDB 1.x at ${influxUrl}`,
);
console.log(
  `  ${Math.round(total / seconds).toLocaleString('en')} points/s end to end (${seconds.toFixed(2)} s)`,
);
console.log(
  `  delivered ${stats.delivered}, retried ${stats.retried}, dropped ${JSON.stringify(stats.dropped)}, stored ${stored}`,
);
console.log(
  `  RSS ${(rssBefore / 2 ** 20).toFixed(0)} MB before, ${(rssPeak / 2 ** 20).toFixed(0)} MB after`,
);
