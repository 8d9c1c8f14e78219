import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { sharedServices, uniqueName } from '../../support/services.ts';

test('PostgreSQL creates a table, inserts rows and selects them back', async () => {
  const client = new pg.Client({ connectionString: sharedServices().postgresUrl });
  await client.connect();
  const table = uniqueName('roundtrip');
  try {
    await client.query(
      `CREATE TABLE ${table} (id serial PRIMARY KEY, message text NOT NULL, at timestamptz)`,
    );
    await client.query(`INSERT INTO ${table} (message, at) VALUES ($1, $2), ($3, $4)`, [
      'engine started',
      new Date('2024-01-01T00:00:00Z'),
      'reload failed',
      new Date('2024-01-01T00:00:05Z'),
    ]);
    const { rows } = await client.query(`SELECT message, at FROM ${table} ORDER BY id`);
    assert.deepEqual(rows, [
      { message: 'engine started', at: new Date('2024-01-01T00:00:00Z') },
      { message: 'reload failed', at: new Date('2024-01-01T00:00:05Z') },
    ]);
  } finally {
    await client.query(`DROP TABLE IF EXISTS ${table}`);
    await client.end();
  }
});
