/**
 * The InfluxDB sink (v2 and v3) against the project's strict fake InfluxDB server, alone and
 * behind the delivery queue.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createDeliveryQueue } from '../../../../src/delivery/queue.ts';
import { encodeLine } from '../../../../src/destinations/influxdb/line-protocol.ts';
import { createInfluxSink, type InfluxSinkOptions } from '../../../../src/destinations/influxdb/sink.ts';
import { createRecordingLogger } from '../../../../src/logging/logger.ts';
import type { InfluxPoint } from '../../../../src/mapping/shapes.ts';
import { deliveryErrorOf } from '../../../support/delivery-errors.ts';
import { type FakeInflux, startFakeInflux } from '../../../support/fake-influxdb.ts';

const TOKEN = 'secret-token-value-123';

function logEvent(i: number, extra: Partial<InfluxPoint> = {}): InfluxPoint {
  return {
    measurement: 'log_event',
    tags: { host: 'SENSE1', level: 'WARN', source: 'qseow-engine', subsystem: 'System.Engine', user_id: '' },
    fields: {
      message: { type: 'string', value: `event ${i}` },
      net_ram: { type: 'integer', value: 1000 + i },
      calls: { type: 'uint', value: i },
      work_time: { type: 'float', value: i + 0.5 },
      saturated: { type: 'boolean', value: i % 2 === 0 },
    },
    timeMs: 1_700_000_000_000 + i,
    ...extra,
  };
}

function options(fake: FakeInflux, version: 2 | 3, more: Partial<InfluxSinkOptions> = {}): InfluxSinkOptions {
  return {
    version,
    host: '127.0.0.1',
    port: fake.port,
    v2: {
      org: 'myorg',
      bucket: 'butler',
      token: TOKEN,
      description: 'Butler SOS metrics',
      retentionDuration: '10d',
    },
    v3: { database: 'butler3', token: TOKEN },
    timeoutMs: 2000,
    log: createRecordingLogger(),
    ...more,
  };
}

describe('InfluxDB v2 sink against the fake server', () => {
  let fake: FakeInflux;
  before(async () => {
    fake = await startFakeInflux({ token: TOKEN, org: 'myorg' });
  });
  after(() => fake.close());

  it('creates the bucket with its retention on setup, once', async () => {
    const sink = createInfluxSink(options(fake, 2));
    await sink.setup();
    const bucket = fake.buckets.get('butler');
    assert.ok(bucket);
    assert.deepEqual(bucket.retentionRules, [{ type: 'expire', everySeconds: 864_000 }]);
    assert.equal(bucket.description, 'Butler SOS metrics');
    await sink.setup(); // exists now: no second creation (the fake answers 422 to one)
    assert.equal(fake.requests.filter((r) => r.method === 'POST' && r.path === '/api/v2/buckets').length, 1);
    await sink.close();
  });

  it('writes points that the server stores with exact types, tags and ns timestamps', async () => {
    const sink = createInfluxSink(options(fake, 2));
    await sink.setup();
    fake.points.length = 0;
    await sink.write([0, 1, 2].map((i) => encodeLine(logEvent(i))));
    const request = fake.requests.at(-1)!;
    assert.equal(request.path, '/api/v2/write');
    assert.deepEqual(request.query, { org: 'myorg', bucket: 'butler', precision: 'ns' });
    assert.equal(request.headers.authorization, `Token ${TOKEN}`);
    assert.equal(fake.points.length, 3);
    const p = fake.points[1]!;
    assert.equal(p.database, 'butler');
    assert.deepEqual(p.tags, {
      host: 'SENSE1',
      level: 'WARN',
      source: 'qseow-engine',
      subsystem: 'System.Engine',
    });
    assert.deepEqual(p.fields, {
      message: { type: 'string', value: 'event 1' },
      net_ram: { type: 'integer', value: 1001n },
      calls: { type: 'uint', value: 1n },
      work_time: { type: 'float', value: 1.5 },
      saturated: { type: 'boolean', value: false },
    });
    assert.equal(p.timeNs, '1700000000001000000');
    await sink.close();
  });

  it('gzips large bodies and the server decodes them', async () => {
    const sink = createInfluxSink(options(fake, 2));
    fake.points.length = 0;
    await sink.write(Array.from({ length: 50 }, (_, i) => encodeLine(logEvent(i))));
    assert.equal(fake.requests.at(-1)!.headers['content-encoding'], 'gzip');
    assert.equal(fake.points.length, 50);
    await sink.close();
  });

  it('rejects a malformed line naming the line, the destination and the cause, never the token', async () => {
    const sink = createInfluxSink(options(fake, 2));
    const lines = [encodeLine(logEvent(1)), 'log_event,host=x', encodeLine(logEvent(2))];
    const error = await deliveryErrorOf(sink.write(lines));
    assert.equal(error.kind, 'rejected');
    assert.deepEqual(error.badItems, [1]);
    assert.match(error.message, /^InfluxDB v2 at http:\/\/127\.0\.0\.1:\d+ org=myorg bucket=butler: /);
    assert.match(error.message, /HTTP 400: unable to parse 'log_event,host=x': missing fields/);
    assert.ok(!error.message.includes(TOKEN));
    await sink.close();
  });

  it('skips empty lines (points without fields) and maps bad-line indexes back to the batch', async () => {
    const sink = createInfluxSink(options(fake, 2));
    fake.points.length = 0;
    await sink.write(['', encodeLine(logEvent(1)), '']);
    assert.equal(fake.points.length, 1);
    assert.ok(!fake.requests.at(-1)!.body.startsWith('\n'));
    const error = await deliveryErrorOf(sink.write(['', encodeLine(logEvent(2)), '', 'broken']));
    assert.deepEqual(error.badItems, [3]);
    await sink.close();
  });

  it('classifies 401, 404 and 503 as retryable and 413 as rejected', async () => {
    const wrongToken = createInfluxSink(
      options(fake, 2, { v2: { org: 'myorg', bucket: 'butler', token: 'nope-nope' } }),
    );
    const unauthorized = await deliveryErrorOf(wrongToken.write([encodeLine(logEvent(1))]));
    assert.equal(unauthorized.kind, 'retryable');
    assert.match(unauthorized.message, /HTTP 401: unauthorized access/);
    assert.ok(!unauthorized.message.includes('nope-nope'));
    await wrongToken.close();

    const noBucket = createInfluxSink(
      options(fake, 2, { v2: { org: 'myorg', bucket: 'missing', token: TOKEN } }),
    );
    const notFound = await deliveryErrorOf(noBucket.write([encodeLine(logEvent(1))]));
    assert.equal(notFound.kind, 'retryable');
    assert.match(notFound.message, /HTTP 404: bucket "missing" not found/);
    await noBucket.close();

    const sink = createInfluxSink(options(fake, 2));
    fake.setFault({ status: 503, times: 1 });
    const unavailable = await deliveryErrorOf(sink.write([encodeLine(logEvent(1))]));
    assert.equal(unavailable.kind, 'retryable');
    assert.match(unavailable.message, /HTTP 503/);
    await sink.close();

    const small = await startFakeInflux({ token: TOKEN, buckets: ['butler'], maxBodyBytes: 200 });
    const tooBig = createInfluxSink({ ...options(small, 2), gzip: false });
    const big = await deliveryErrorOf(
      tooBig.write(Array.from({ length: 10 }, (_, i) => encodeLine(logEvent(i)))),
    );
    assert.equal(big.kind, 'rejected');
    assert.match(big.message, /HTTP 413/);
    await tooBig.close();
    await small.close();
  });

  it('reports a refused connection and a timeout as retryable, naming the cause', async () => {
    const closed = await startFakeInflux({ token: TOKEN });
    const port = closed.port;
    await closed.close();
    const refused = createInfluxSink({ ...options(fake, 2), port });
    const e1 = await deliveryErrorOf(refused.write([encodeLine(logEvent(1))]));
    assert.equal(e1.kind, 'retryable');
    assert.match(e1.message, /ECONNREFUSED/);
    await refused.close();

    const slow = createInfluxSink({ ...options(fake, 2), timeoutMs: 100 });
    fake.setFault({ delayMs: 400, times: 1, pathPrefix: '/api/v2/write' });
    const e2 = await deliveryErrorOf(slow.write([encodeLine(logEvent(1))]));
    fake.setFault(undefined);
    assert.equal(e2.kind, 'retryable');
    assert.match(e2.message, /no answer within 100 ms/);
    await slow.close();
  });

  it('behind the delivery queue: retries 503s and splits a batch so only the bad point is lost', async () => {
    const sink = createInfluxSink(options(fake, 2));
    await sink.setup();
    fake.points.length = 0;
    const log = createRecordingLogger();
    const queue = createDeliveryQueue<string>({
      name: sink.describe(),
      sink,
      maxQueued: 1000,
      maxBatchSize: 20,
      flushIntervalMs: 20,
      retry: { initialMs: 5, maxMs: 50, jitter: true },
      log,
    });
    fake.setFault({ status: 503, times: 2, pathPrefix: '/api/v2/write' });
    const lines = Array.from({ length: 20 }, (_, i) => encodeLine(logEvent(i)));
    lines[7] = 'log_event,host=x message="no closing quote';
    queue.enqueueMany(lines);
    await queue.flush();
    const stats = queue.stats();
    assert.equal(stats.delivered, 19);
    assert.deepEqual(stats.dropped, { rejected: 1 });
    assert.equal(stats.retried, 2);
    assert.deepEqual(
      fake.points.map((p) => p.fields.message?.value).sort(),
      lines
        .map((_, i) => `event ${i}`)
        .filter((m) => m !== 'event 7')
        .sort(),
    );
    await queue.close(500);
    await sink.close();
  });
});

describe('InfluxDB v3 sink against the fake server', () => {
  let fake: FakeInflux;
  before(async () => {
    fake = await startFakeInflux({ token: TOKEN });
  });
  after(() => fake.close());

  it('creates the database on setup and accepts an existing one', async () => {
    const sink = createInfluxSink(options(fake, 3));
    await sink.setup();
    assert.ok(fake.databases.has('butler3'));
    const create = fake.requests.find((r) => r.method === 'POST' && r.path === '/api/v3/configure/database');
    assert.equal(create?.headers.authorization, `Bearer ${TOKEN}`);
    await sink.setup();
    assert.equal(
      fake.requests.filter((r) => r.method === 'POST' && r.path === '/api/v3/configure/database').length,
      1,
    );
    await sink.close();
  });

  it('writes to write_lp with Bearer auth and nanosecond precision, all-or-nothing', async () => {
    const sink = createInfluxSink(options(fake, 3));
    fake.points.length = 0;
    await sink.write([encodeLine(logEvent(4))]);
    const request = fake.requests.at(-1)!;
    assert.equal(request.path, '/api/v3/write_lp');
    assert.deepEqual(request.query, { db: 'butler3', precision: 'nanosecond', accept_partial: 'false' });
    assert.equal(fake.points[0]?.timeNs, '1700000000004000000');
    assert.deepEqual(fake.points[0]?.fields.net_ram, { type: 'integer', value: 1004n });

    const error = await deliveryErrorOf(
      sink.write([encodeLine(logEvent(5)), 'oops', encodeLine(logEvent(6))]),
    );
    assert.equal(error.kind, 'rejected');
    assert.deepEqual(error.badItems, [1]);
    assert.match(
      error.message,
      /^InfluxDB v3 at http:\/\/127\.0\.0\.1:\d+ db=butler3: write of 3 points failed: HTTP 400/,
    );
    assert.equal(fake.points.length, 1, 'nothing of the rejected batch was stored');
    await sink.close();
  });

  it('rejects a wrong token as retryable without leaking it', async () => {
    const sink = createInfluxSink(options(fake, 3, { v3: { database: 'butler3', token: 'wrong-token' } }));
    const error = await deliveryErrorOf(sink.write([encodeLine(logEvent(1))]));
    assert.equal(error.kind, 'retryable');
    assert.match(error.message, /HTTP 401/);
    assert.ok(!error.message.includes('wrong-token'));
    await sink.close();
  });
});

describe('InfluxDB v1 sink requests', () => {
  it('sends db and ns precision, and basic auth only when a username is set', async () => {
    // The fake has no v1 API (it answers 404) but records what arrives.
    const fake = await startFakeInflux({ token: TOKEN });
    const base = {
      version: 1 as const,
      host: '127.0.0.1',
      port: fake.port,
      timeoutMs: 1000,
      log: createRecordingLogger(),
    };
    const rp = { name: '10d', duration: '10d' };
    const withAuth = createInfluxSink({
      ...base,
      v1: { database: 'SenseOps', username: 'butler', password: 'pa55word', retentionPolicy: rp },
    });
    const error = await deliveryErrorOf(withAuth.write(['m v=1 1']));
    assert.ok(!error.message.includes('pa55word'));
    const request = fake.requests.at(-1)!;
    assert.equal(request.path, '/write');
    assert.deepEqual(request.query, { db: 'SenseOps', precision: 'ns' });
    assert.equal(request.headers.authorization, `Basic ${Buffer.from('butler:pa55word').toString('base64')}`);
    assert.equal(request.headers['content-encoding'], undefined);
    const noAuth = createInfluxSink({ ...base, v1: { database: 'SenseOps', retentionPolicy: rp } });
    await deliveryErrorOf(noAuth.write(['m v=1 1']));
    assert.equal(fake.requests.at(-1)!.headers.authorization, undefined);
    await withAuth.close();
    await noAuth.close();
    await fake.close();
  });
});

describe('InfluxDB sink options', () => {
  it('refuses incomplete settings with a clear error', () => {
    const log = createRecordingLogger();
    assert.throws(
      () => createInfluxSink({ version: 2, host: 'h', port: 1, timeoutMs: 1, log }),
      /v2Config.org, v2Config.bucket and v2Config.token are required/,
    );
    assert.throws(
      () => createInfluxSink({ version: 4 as 3, host: 'h', port: 1, timeoutMs: 1, log }),
      /version 4 is not supported/,
    );
  });
});
