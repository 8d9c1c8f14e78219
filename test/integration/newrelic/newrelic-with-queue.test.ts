/**
 * The New Relic sink behind the shared delivery queue: an outage of one account's answers
 * (503s) is retried until delivered, each account gets every event exactly once, and bad
 * items are dropped as rejected while the rest land.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createDeliveryQueue } from '../../../src/delivery/index.ts';
import { createNewRelicSink } from '../../../src/destinations/new-relic/newrelic-sink.ts';
import { createRecordingLogger } from '../../../src/logging/logger.ts';
import type { NewRelicEvent } from '../../../src/mapping/shapes.ts';
import { type FakeNewRelic, startFakeNewRelic } from '../../support/fake-newrelic.ts';

describe('New Relic sink with the delivery queue', () => {
  let fake: FakeNewRelic;
  before(async () => {
    fake = await startFakeNewRelic([
      { accountId: '1111111', keys: ['key-prod-0001'] },
      { accountId: '2222222', keys: ['key-dev-0002'] },
    ]);
  });
  after(() => fake.close());

  it('delivers every event exactly once per account through 503s, dropping only bad items', async () => {
    const log = createRecordingLogger();
    const sink = createNewRelicSink({
      accounts: [
        { name: 'prod', insertApiKey: 'key-prod-0001', accountId: '1111111' },
        { name: 'dev', insertApiKey: 'key-dev-0002', accountId: '2222222' },
      ],
      metricUrl: fake.metricUrl,
      eventUrl: fake.eventUrl,
      timeoutMs: 2_000,
      log,
    });
    const queue = createDeliveryQueue<NewRelicEvent>({
      name: 'New Relic events',
      sink: { write: (batch, signal) => sink.writeEvents(batch, signal) },
      maxQueued: 10_000,
      maxBatchSize: 50,
      flushIntervalMs: 20,
      retry: { initialMs: 20, maxMs: 100, jitter: 0.5 },
      log,
    });
    fake.setFault({ status: 503, count: 5 });
    const now = Date.now();
    const events: NewRelicEvent[] = Array.from({ length: 200 }, (_, i) => ({
      eventType: i === 77 ? '' : 'qs_userEvent',
      timestampMs: now,
      attributes: { qs_seq: i },
    }));
    queue.enqueueMany(events);
    await queue.flush();
    await queue.close(1_000);
    await sink.close();

    for (const accountId of ['1111111', '2222222']) {
      const seqs = fake
        .accepted(accountId, 'event')
        .flatMap((r) => r.payload as { qs_seq: number }[])
        .map((e) => e.qs_seq)
        .sort((a, b) => a - b);
      assert.deepEqual(
        seqs,
        events.map((_, i) => i).filter((i) => i !== 77),
        `account ${accountId}`,
      );
    }
    const stats = queue.stats();
    assert.equal(stats.delivered, 199);
    assert.deepEqual(stats.dropped, { rejected: 1 });
    assert.ok(stats.retried >= 1);
    assert.deepEqual(fake.violations, []);
  });
});
