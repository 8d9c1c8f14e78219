/** The codes of the New Relic sink's errors, against the local fake of its APIs. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createNewRelicSink,
  type NewRelicSinkOptions,
} from '../../../../src/destinations/new-relic/newrelic-sink.ts';
import type { MetricInput } from '../../../../src/destinations/new-relic/payloads.ts';
import { createRecordingLogger } from '../../../../src/logging/logger.ts';
import { deliveryErrorOf } from '../../../support/delivery-errors.ts';
import { type FakeNewRelic, startFakeNewRelic } from '../../../support/fake-newrelic.ts';

const KEY = 'NRII-codes-secret-key-0001';
const metric = (): MetricInput[] => [
  {
    name: 'qs_cpuTotal',
    type: 'gauge',
    value: 1,
    timestampMs: Date.now(),
    attributes: {},
    intervalMs: 30000,
  },
];

describe('New Relic sink error codes', () => {
  let fake: FakeNewRelic;
  let options: NewRelicSinkOptions;
  before(async () => {
    fake = await startFakeNewRelic([{ accountId: '1111111', keys: [KEY] }]);
    options = {
      accounts: [{ name: 'prod', insertApiKey: KEY, accountId: '1111111' }],
      metricUrl: fake.metricUrl,
      eventUrl: fake.eventUrl,
      timeoutMs: 2_000,
      log: createRecordingLogger(),
    };
  });
  after(() => fake.close());

  it('codes statuses: a wrong key is auth, a 503 server_error, a 429 rate_limited', async () => {
    const wrongKey = createNewRelicSink({
      ...options,
      accounts: [{ name: 'prod', insertApiKey: 'NRII-wrong', accountId: '1111111' }],
    });
    const refused = await deliveryErrorOf(wrongKey.writeMetrics(metric()));
    assert.deepEqual([refused.kind, refused.code], ['rejected', 'auth']);
    await wrongKey.close();
    const sink = createNewRelicSink(options);
    for (const [status, code] of [
      [503, 'server_error'],
      [429, 'rate_limited'],
    ] as const) {
      fake.setFault({ status, count: 1 });
      const error = await deliveryErrorOf(sink.writeMetrics(metric()));
      assert.deepEqual([error.kind, error.code], ['retryable', code]);
    }
    await sink.close();
  });

  it('codes a refused connection, a timeout, a missing log URL and invalid items', async () => {
    const nowhere = createNewRelicSink({ ...options, metricUrl: 'http://127.0.0.1:1/metric/v1' });
    assert.equal((await deliveryErrorOf(nowhere.writeMetrics(metric()))).code, 'refused');
    await nowhere.close();
    fake.setFault({ delayMs: 600, count: 1 });
    const slow = createNewRelicSink({ ...options, timeoutMs: 150 });
    assert.equal((await deliveryErrorOf(slow.writeMetrics(metric()))).code, 'timeout');
    await slow.close();
    const sink = createNewRelicSink(options);
    assert.equal((await deliveryErrorOf(sink.writeLogs([]))).code, 'not_configured');
    const invalid = await deliveryErrorOf(
      sink.writeMetrics([{ ...metric()[0]!, value: Number.NaN }, ...metric()]),
    );
    assert.deepEqual([invalid.code, invalid.badItems], ['invalid', [0]]);
    await sink.close();
  });
});
