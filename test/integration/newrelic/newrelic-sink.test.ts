/**
 * The New Relic sink against the strict local fake of the Metric, Event and Log APIs:
 * request shape, gzip, headers, every account served, size splitting, error classes,
 * secrets kept out of errors and logs, retries that skip accounts already served.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { DeliveryError } from '../../../src/delivery/types.ts';
import {
  createNewRelicSink,
  type NewRelicSinkOptions,
} from '../../../src/destinations/new-relic/newrelic-sink.ts';
import type { MetricInput } from '../../../src/destinations/new-relic/payloads.ts';
import { createRecordingLogger } from '../../../src/logging/logger.ts';
import type { NewRelicEvent } from '../../../src/mapping/shapes.ts';
import { type FakeNewRelic, startFakeNewRelic } from '../../support/fake-newrelic.ts';

const PROD_KEY = 'NRII-prod-secret-key-0001';
const DEV_KEY = 'NRII-dev-secret-key-0002';
const HEADER_SECRET = 'custom-header-secret-value';

function healthMetrics(now: number): MetricInput[] {
  const attributes = {
    host: 'sense1.corp.local',
    server_name: 'sense1',
    server_description: 'Central',
    env: 'prod',
  };
  return [
    {
      name: 'qs_memCommited',
      type: 'gauge',
      value: 1234 * 1048576,
      timestampMs: now,
      attributes,
      intervalMs: 30000,
    },
    { name: 'qs_cpuTotal', type: 'gauge', value: 3.5, timestampMs: now, attributes, intervalMs: 30000 },
    // Upstream sends this as a JSON boolean; the Metric API needs a number
    // (docs/reference/new-relic.md#engine-health-metrics).
    {
      name: 'qs_engineSaturated',
      type: 'gauge',
      value: false as unknown as number,
      timestampMs: now,
      attributes,
      intervalMs: 30000,
    },
  ];
}

function userEvent(now: number, i = 0): NewRelicEvent {
  return {
    eventType: 'qs_userEvent',
    timestampMs: now,
    attributes: {
      qs_host: 'sense1',
      qs_event_action: 'Start session',
      qs_userFull: `CORP\\user${i}`,
      qs_origin: 'AppAccess',
    },
  };
}

describe('New Relic sink against the fake New Relic APIs', () => {
  let fake: FakeNewRelic;
  const log = createRecordingLogger();
  let options: NewRelicSinkOptions;

  before(async () => {
    fake = await startFakeNewRelic([
      { accountId: '1111111', keys: [PROD_KEY] },
      { accountId: '2222222', keys: [DEV_KEY] },
    ]);
    options = {
      accounts: [
        { name: 'prod', insertApiKey: PROD_KEY, accountId: 1111111 },
        { name: 'dev', insertApiKey: DEV_KEY, accountId: '2222222' },
      ],
      metricUrl: fake.metricUrl,
      eventUrl: fake.eventUrl,
      logUrl: fake.logUrl,
      metricHeaders: [{ name: 'X-Team', value: HEADER_SECRET }],
      eventHeaders: null,
      commonAttributes: { region: 'emea', butlerSosVersion: '14.0.0' },
      timeoutMs: 2_000,
      log,
    };
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.reset();
    log.lines.length = 0;
  });

  it('posts gzip metric payloads with common blocks to every account', async () => {
    const sink = createNewRelicSink(options);
    const now = Date.now();
    await sink.writeMetrics(healthMetrics(now));
    await sink.close();

    assert.deepEqual(fake.refusals, []);
    assert.deepEqual(fake.violations, []);
    for (const accountId of ['1111111', '2222222']) {
      const [request, ...more] = fake.accepted(accountId, 'metric');
      assert.ok(request, `account ${accountId} got the metrics`);
      assert.equal(more.length, 0);
      assert.equal(request.contentEncoding, 'gzip');
      assert.equal(request.headers['content-type'], 'application/json');
      assert.equal(request.headers['api-key'], '<key>');
      assert.equal(request.headers['x-team'], HEADER_SECRET);
      assert.ok(request.receivedBytes < request.jsonBytes, 'body is compressed');
      assert.deepEqual(request.payload, [
        {
          common: {
            timestamp: now,
            'interval.ms': 30000,
            attributes: {
              host: 'sense1.corp.local',
              server_name: 'sense1',
              server_description: 'Central',
              env: 'prod',
              region: 'emea',
              butlerSosVersion: '14.0.0',
            },
          },
          metrics: [
            { name: 'qs_memCommited', type: 'gauge', value: 1234 * 1048576 },
            { name: 'qs_cpuTotal', type: 'gauge', value: 3.5 },
            { name: 'qs_engineSaturated', type: 'gauge', value: 0 },
          ],
        },
      ]);
    }
  });

  it('posts events as a batch array to /v1/accounts/<id>/events of each account', async () => {
    const sink = createNewRelicSink({ ...options, eventUrl: `${fake.eventUrl}/` });
    const now = Date.now();
    await sink.writeEvents([userEvent(now, 1), userEvent(now, 2)]);
    await sink.close();
    assert.deepEqual(fake.refusals, []);
    assert.deepEqual(fake.violations, []);
    const [request] = fake.accepted('2222222', 'event');
    assert.ok(request);
    assert.equal(request.headers['x-team'], undefined, 'metric headers are not sent to the Event API');
    assert.deepEqual(request.payload, [
      { timestamp: now, ...userEvent(now, 1).attributes, eventType: 'qs_userEvent' },
      { timestamp: now, ...userEvent(now, 2).attributes, eventType: 'qs_userEvent' },
    ]);
    const keys = Object.keys((request.payload as object[])[0] as object);
    assert.equal(keys.at(-1), 'eventType', 'eventType is the last key, as upstream');
    assert.equal(fake.accepted('1111111', 'event').length, 1);
  });

  it('posts logs in the detailed Log API format', async () => {
    const sink = createNewRelicSink(options);
    const now = Date.now();
    await sink.writeLogs([
      { timestampMs: now, message: 'Engine error', attributes: { level: 'ERROR', source: 'qseow-engine' } },
    ]);
    await sink.close();
    assert.deepEqual(fake.refusals, []);
    const [request] = fake.accepted('1111111', 'log');
    assert.deepEqual(request?.payload, [
      {
        common: { attributes: { region: 'emea', butlerSosVersion: '14.0.0' } },
        logs: [
          { timestamp: now, message: 'Engine error', attributes: { level: 'ERROR', source: 'qseow-engine' } },
        ],
      },
    ]);
  });

  it('splits a batch larger than 10^6 bytes into several accepted requests', async () => {
    const sink = createNewRelicSink({
      ...options,
      accounts: [options.accounts[0] as NewRelicSinkOptions['accounts'][0]],
    });
    const now = Date.now();
    const big = 'x'.repeat(4000);
    const events: NewRelicEvent[] = Array.from({ length: 600 }, (_, i) => ({
      eventType: 'qs_logEvent',
      timestampMs: now,
      attributes: { qs_message: `${i} ${big}`, qs_seq: i },
    }));
    await sink.writeEvents(events);
    await sink.close();
    assert.deepEqual(fake.refusals, []);
    const requests = fake.accepted('1111111', 'event');
    assert.ok(requests.length >= 3, `expected several requests, got ${requests.length}`);
    for (const request of requests) assert.ok(request.jsonBytes <= 1_000_000);
    const received = requests.flatMap((r) => r.payload as { qs_seq: number }[]).map((e) => e.qs_seq);
    assert.deepEqual(
      received,
      events.map((_, i) => i),
    );
  });

  it('classifies 5xx and 429 as retryable, 403 as rejected, naming the account but never the key', async () => {
    const sink = createNewRelicSink(options);
    const now = Date.now();
    for (const status of [500, 503, 429]) {
      fake.setFault({ status });
      await assert.rejects(sink.writeMetrics(healthMetrics(now)), (error: unknown) => {
        assert.ok(error instanceof DeliveryError);
        assert.equal(error.kind, 'retryable', `HTTP ${status}`);
        assert.match(error.message, new RegExp(`HTTP ${status}`));
        assert.match(error.message, /account "prod" \(1111111\)/);
        return true;
      });
    }
    fake.setFault(undefined);

    const wrongKey = createNewRelicSink({
      ...options,
      accounts: [{ name: 'prod', insertApiKey: 'NRII-wrong-secret-key', accountId: '1111111' }],
    });
    await assert.rejects(wrongKey.writeEvents([userEvent(now)]), (error: unknown) => {
      assert.ok(error instanceof DeliveryError);
      assert.equal(error.kind, 'rejected');
      assert.match(error.message, /HTTP 403/);
      assert.ok(!error.message.includes('NRII-wrong-secret-key'));
      return true;
    });
    await sink.close();
    await wrongKey.close();

    const logged = JSON.stringify(log.lines);
    for (const secret of [PROD_KEY, DEV_KEY, 'NRII-wrong-secret-key', HEADER_SECRET]) {
      assert.ok(!logged.includes(secret), 'no secret in the logs');
    }
    assert.ok(log.lines.some((l) => l.level === 'warn' && /account "prod"/.test(l.message)));
  });

  it('treats a timeout and a refused connection as retryable', async () => {
    const now = Date.now();
    fake.setFault({ delayMs: 800, count: 2 });
    const slow = createNewRelicSink({ ...options, timeoutMs: 200 });
    await assert.rejects(slow.writeMetrics(healthMetrics(now)), (error: unknown) => {
      assert.ok(error instanceof DeliveryError);
      assert.equal(error.kind, 'retryable');
      assert.match(error.message, /no response within 200 ms/);
      return true;
    });
    await slow.close();

    const nowhere = createNewRelicSink({ ...options, metricUrl: 'http://127.0.0.1:1/metric/v1' });
    await assert.rejects(nowhere.writeMetrics(healthMetrics(now)), (error: unknown) => {
      assert.ok(error instanceof DeliveryError);
      assert.equal(error.kind, 'retryable');
      assert.match(error.message, /ECONNREFUSED/);
      return true;
    });
    await nowhere.close();
  });

  it('keeps serving the other accounts when one fails, and a retry only resends to the failed one', async () => {
    const sink = createNewRelicSink({
      ...options,
      accounts: [
        { name: 'prod', insertApiKey: PROD_KEY, accountId: '1111111' },
        { name: 'dev', insertApiKey: DEV_KEY, accountId: '2222222' },
      ],
    });
    const now = Date.now();
    const batch = [userEvent(now)];
    fake.setFault({ status: 503, count: 1 });
    await assert.rejects(sink.writeEvents(batch), (error: unknown) => {
      assert.ok(error instanceof DeliveryError);
      assert.equal(error.kind, 'retryable');
      return true;
    });
    const servedFirst = fake.requests.map((r) => r.accountId);
    assert.equal(servedFirst.length, 1, 'the other account was served despite the failure');
    await sink.writeEvents(batch);
    await sink.close();
    const served = fake.requests.map((r) => r.accountId).sort();
    assert.deepEqual(served, ['1111111', '2222222'], 'each account got the events exactly once');
    assert.ok(log.lines.some((l) => l.level === 'info' && /succeed again/.test(l.message)));
  });

  it('refuses a batch with invalid metrics before sending, naming the bad items', async () => {
    const sink = createNewRelicSink(options);
    const now = Date.now();
    const batch: MetricInput[] = [
      ...healthMetrics(now),
      { name: 'qs_bad', type: 'gauge', value: Number.NaN, timestampMs: now, attributes: {} },
    ];
    await assert.rejects(sink.writeMetrics(batch), (error: unknown) => {
      assert.ok(error instanceof DeliveryError);
      assert.equal(error.kind, 'rejected');
      assert.deepEqual(error.badItems, [3]);
      assert.match(error.message, /qs_bad/);
      return true;
    });
    assert.equal(fake.requests.length, 0);
    await sink.writeMetrics(batch.slice(0, 3));
    assert.equal(fake.accepted('1111111', 'metric').length, 1);
    assert.equal(sink.stats().delivered.metric, 6);
    assert.equal(sink.stats().invalid, 1);
    await sink.close();
  });

  it('a refusal by an account rejects the whole batch, so the queue does not split and resend it', async () => {
    const sink = createNewRelicSink({
      ...options,
      accounts: [
        { name: 'prod', insertApiKey: PROD_KEY, accountId: '1111111' },
        { name: 'revoked', insertApiKey: 'NRII-revoked-secret-key', accountId: '2222222' },
      ],
    });
    const now = Date.now();
    await assert.rejects(sink.writeEvents([userEvent(now, 1), userEvent(now, 2)]), (error: unknown) => {
      assert.ok(error instanceof DeliveryError);
      assert.equal(error.kind, 'rejected');
      assert.deepEqual(error.badItems, [0, 1]);
      assert.match(error.message, /account "revoked" \(2222222\): HTTP 403/);
      assert.ok(!error.message.includes('NRII-revoked-secret-key'));
      return true;
    });
    assert.equal(fake.accepted('1111111', 'event').length, 1, 'the other account was served');
    await sink.close();
  });

  it('aborts a request when the delivery queue aborts the write', async () => {
    fake.setFault({ delayMs: 1_000, count: 2 });
    const sink = createNewRelicSink(options);
    const controller = new AbortController();
    const write = sink.writeMetrics(healthMetrics(Date.now()), controller.signal);
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    await assert.rejects(
      write,
      (error: unknown) => error instanceof DeliveryError && /aborted/.test(error.message),
    );
    assert.ok(Date.now() - started < 900, 'the write did not wait for the response');
    await sink.close();
  });

  it('refuses bad options with errors that do not contain secrets', () => {
    assert.throws(
      () =>
        createNewRelicSink({
          ...options,
          accounts: [{ name: 'x', insertApiKey: PROD_KEY, accountId: 'abc' }],
        }),
      /account "x" has an invalid accountId/,
    );
    assert.throws(
      () =>
        createNewRelicSink({
          ...options,
          metricHeaders: [{ name: 'X-Bad', value: `${HEADER_SECRET}\r\nInjected: 1` }],
        }),
      (error: Error) => /X-Bad/.test(error.message) && !error.message.includes(HEADER_SECRET),
    );
    assert.throws(
      () => createNewRelicSink({ ...options, metricUrl: 'not a url' }),
      /newRelic.metric.url is not a valid URL/,
    );
  });
});
