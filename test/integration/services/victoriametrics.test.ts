import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flushVictoriaMetrics, sharedServices, uniqueName, waitFor } from '../../support/services.ts';

test('VictoriaMetrics accepts line protocol on /api/v2/write and returns it to a query', async () => {
  const { victoriametricsUrl } = sharedServices();
  const measurement = uniqueName('roundtrip');
  const write = await fetch(`${victoriametricsUrl}/api/v2/write`, {
    method: 'POST',
    body: `${measurement},host=sense1 sessions=5,cpu=0.25\n${measurement},host=sense2 sessions=9,cpu=0.5\n`,
  });
  assert.equal(write.status, 204, await write.text());

  // Influx line protocol becomes one series per field: <measurement>_<field>.
  const query = new URL('/api/v1/query', victoriametricsUrl);
  query.searchParams.set('query', `${measurement}_sessions`);
  const result = await waitFor(async () => {
    await flushVictoriaMetrics(victoriametricsUrl);
    const body = (await (await fetch(query)).json()) as {
      data: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    return body.data.result.length === 2 ? body.data.result : undefined;
  }, 15_000);
  const byHost = Object.fromEntries(result.map((r) => [r.metric.host, r.value[1]]));
  assert.deepEqual(byHost, { sense1: '5', sense2: '9' });
});
