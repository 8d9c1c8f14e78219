import assert from 'node:assert/strict';
import { test } from 'node:test';
import { queryInflux, sharedServices, uniqueName } from '../../support/services.ts';

test('InfluxDB 1.x stores points written over HTTP and returns them to a query', async () => {
  const { influxdbUrl } = sharedServices();
  const db = uniqueName('roundtrip');
  await queryInflux(influxdbUrl, db, `CREATE DATABASE "${db}"`);
  try {
    const write = await fetch(`${influxdbUrl}/write?db=${db}&precision=ms`, {
      method: 'POST',
      body:
        'sense_server,host=sense1 cpu_total=12.5,users=3i 1700000000000\n' +
        'sense_server,host=sense2 cpu_total=40,users=7i 1700000001000\n',
    });
    assert.equal(write.status, 204, await write.text());

    const series = await queryInflux(
      influxdbUrl,
      db,
      'SELECT "cpu_total", "users" FROM "sense_server" GROUP BY "host"',
    );
    const byHost = Object.fromEntries(series.map((s) => [s.tags?.host, s.values]));
    assert.deepEqual(byHost, {
      sense1: [['2023-11-14T22:13:20Z', 12.5, 3]],
      sense2: [['2023-11-14T22:13:21Z', 40, 7]],
    });
  } finally {
    await queryInflux(influxdbUrl, db, `DROP DATABASE "${db}"`);
  }
});
