import assert from 'node:assert/strict';
import { test } from 'node:test';
import mqtt from 'mqtt';
import pg from 'pg';
import {
  queryInflux,
  startPrivateInfluxDb,
  startPrivateMosquitto,
  startPrivatePostgres,
} from '../../support/services.ts';

test('a private InfluxDB killed with SIGKILL restarts on its port with its data', async () => {
  const influx = await startPrivateInfluxDb();
  try {
    await queryInflux(influx.url, 'faults', 'CREATE DATABASE faults');
    const write = await fetch(`${influx.url}/write?db=faults`, {
      method: 'POST',
      body: 'survivor,host=a value=42 1700000000000000000\n',
    });
    assert.equal(write.status, 204);

    await influx.kill('SIGKILL');
    await assert.rejects(fetch(`${influx.url}/ping`), 'nothing answers while it is down');

    await influx.restart();
    const series = await queryInflux(influx.url, 'faults', 'SELECT value FROM survivor');
    assert.deepEqual(series[0]?.values, [['2023-11-14T22:13:20Z', 42]]);
  } finally {
    await influx.stop();
  }
});

test('a private Mosquitto killed with SIGKILL accepts clients again after restart', async () => {
  const broker = await startPrivateMosquitto();
  try {
    const before = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    const closed = new Promise<void>((resolve) => before.once('close', () => resolve()));
    await broker.kill('SIGKILL');
    await closed; // the client sees the broker go away
    await before.endAsync(true);

    await broker.restart();
    const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    try {
      await client.subscribeAsync('after/restart');
      const received = new Promise<string>((resolve) =>
        client.once('message', (_topic, payload) => resolve(payload.toString())),
      );
      await client.publishAsync('after/restart', 'hello again');
      assert.equal(await received, 'hello again');
    } finally {
      await client.endAsync();
    }
  } finally {
    await broker.stop();
  }
});

test('a private PostgreSQL killed with SIGKILL restarts with its committed rows', async () => {
  const postgres = await startPrivatePostgres();
  try {
    const client = new pg.Client({ connectionString: postgres.url });
    client.on('error', () => {}); // the kill below breaks this connection on purpose
    await client.connect();
    await client.query('CREATE TABLE kept (n int)');
    await client.query('INSERT INTO kept VALUES (1), (2), (3)');
    await postgres.kill('SIGKILL');
    await client.end().catch(() => {});

    await postgres.restart();
    const after = new pg.Client({ connectionString: postgres.url });
    await after.connect();
    try {
      const { rows } = await after.query('SELECT sum(n)::int AS total FROM kept');
      assert.deepEqual(rows, [{ total: 6 }]);
    } finally {
      await after.end();
    }
  } finally {
    await postgres.stop();
  }
});
