/** The fake New Relic answers bad requests the way the real APIs document. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { type FakeNewRelic, startFakeNewRelic } from '../../../support/fake-newrelic.ts';

describe('fake New Relic', () => {
  let fake: FakeNewRelic;
  before(async () => {
    fake = await startFakeNewRelic([{ accountId: '42', keys: ['key-42'] }]);
  });
  after(() => fake.close());

  const post = (path: string, body: Buffer | string, headers: Record<string, string>) =>
    fetch(`${fake.url}${path}`, { method: 'POST', body, headers });
  const json = { 'Content-Type': 'application/json' };
  const metricBody = JSON.stringify([
    { metrics: [{ name: 'm', type: 'gauge', value: 1, timestamp: Date.now() }] },
  ]);

  it('answers 202 with a requestId for a valid metric post, 200 success for events', async () => {
    const metric = await post('/metric/v1', gzipSync(metricBody), {
      ...json,
      'Content-Encoding': 'gzip',
      'Api-Key': 'key-42',
    });
    assert.equal(metric.status, 202);
    assert.match(((await metric.json()) as { requestId: string }).requestId, /^[0-9a-f-]{36}$/);
    const event = await post('/v1/accounts/42/events', JSON.stringify({ eventType: 'x', a: 1 }), {
      ...json,
      'X-Insert-Key': 'key-42',
    });
    assert.equal(event.status, 200);
    assert.equal(((await event.json()) as { success: boolean }).success, true);
    assert.equal(fake.accepted('42').length, 2);
  });

  it('refuses wrong keys, paths, methods, types, encodings, sizes and structures', async () => {
    const cases: [Promise<Response>, number][] = [
      [post('/metric/v1', metricBody, json), 403],
      [post('/metric/v1', metricBody, { ...json, 'Api-Key': 'other' }), 403],
      [post('/v1/accounts/43/events', '{"eventType":"x"}', { ...json, 'Api-Key': 'key-42' }), 403],
      [post('/metric/v2', metricBody, { ...json, 'Api-Key': 'key-42' }), 404],
      [fetch(`${fake.url}/metric/v1`, { headers: { 'Api-Key': 'key-42' } }), 405],
      [post('/metric/v1', metricBody, { 'Content-Type': 'text/plain', 'Api-Key': 'key-42' }), 415],
      [post('/metric/v1', metricBody, { ...json, 'Content-Encoding': 'br', 'Api-Key': 'key-42' }), 415],
      [post('/metric/v1', 'x'.repeat(1_000_001), { ...json, 'Api-Key': 'key-42' }), 413],
      [post('/metric/v1', 'not gzip', { ...json, 'Content-Encoding': 'gzip', 'Api-Key': 'key-42' }), 400],
      [post('/metric/v1', '{"metrics": []}', { ...json, 'Api-Key': 'key-42' }), 400],
      [post('/metric/v1', '[{"metrics": [{"value": 1}]}]', { ...json, 'Api-Key': 'key-42' }), 400],
    ];
    for (const [response, status] of cases) assert.equal((await response).status, status);
  });

  it('lists what the real APIs would drop asynchronously', async () => {
    fake.reset();
    const stale = Date.now() - 72 * 3_600_000;
    await post(
      '/metric/v1',
      JSON.stringify([{ metrics: [{ name: 'm', type: 'gauge', value: true, timestamp: stale }] }]),
      {
        ...json,
        'Api-Key': 'key-42',
      },
    );
    await post(
      '/v1/accounts/42/events',
      JSON.stringify([{ eventType: 'x', flag: true, long: 'y'.repeat(5000) }]),
      {
        ...json,
        'Api-Key': 'key-42',
      },
    );
    assert.equal(fake.requests.length, 2);
    assert.equal(fake.violations.length, 4, fake.violations.join('\n'));
  });

  it('injects faults for a number of requests', async () => {
    fake.setFault({ status: 503, count: 1 });
    const first = await post('/metric/v1', metricBody, { ...json, 'Api-Key': 'key-42' });
    const second = await post('/metric/v1', metricBody, { ...json, 'Api-Key': 'key-42' });
    assert.deepEqual([first.status, second.status], [503, 202]);
  });
});
