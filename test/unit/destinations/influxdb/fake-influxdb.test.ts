/** The fake InfluxDB is only useful if it is as strict as the real API: check that it is. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { type FakeInflux, startFakeInflux } from '../../../support/fake-influxdb.ts';

const TOKEN = 't0ken';
let fake: FakeInflux;
before(async () => {
  fake = await startFakeInflux({ token: TOKEN, org: 'o', buckets: ['b'] });
});
after(() => fake.close());

async function post(path: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const response = await fetch(`${fake.url}${path}`, { method: 'POST', body, headers });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}
const auth = { authorization: `Token ${TOKEN}` };

describe('fake InfluxDB v2 write', () => {
  it('answers /health like InfluxDB 2', async () => {
    const response = await fetch(`${fake.url}/health`);
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { status: string }).status, 'pass');
  });
  it('requires the Token header, org, a known bucket and a valid precision', async () => {
    assert.equal((await post('/api/v2/write?org=o&bucket=b', 'm v=1')).status, 401);
    assert.equal(
      (await post('/api/v2/write?org=o&bucket=b', 'm v=1', { authorization: `Bearer ${TOKEN}` })).status,
      401,
    );
    assert.equal((await post('/api/v2/write?bucket=b', 'm v=1', auth)).status, 400);
    assert.deepEqual(await post('/api/v2/write?org=o&bucket=nope', 'm v=1', auth), {
      status: 404,
      json: { code: 'not found', message: 'bucket "nope" not found' },
    });
    assert.equal((await post('/api/v2/write?org=o&bucket=b&precision=n', 'm v=1', auth)).status, 400);
    assert.equal((await post('/api/v2/write?org=o&bucket=b&precision=ms', 'm v=1 5', auth)).status, 204);
    assert.equal(fake.points.at(-1)?.timeNs, '5000000');
  });
  it('rejects the whole batch on one malformed line, with the InfluxDB error body', async () => {
    const before = fake.points.length;
    const answer = await post('/api/v2/write?org=o&bucket=b', 'm v=1\nm,t= v=2\nm v=3', auth);
    assert.deepEqual(answer, {
      status: 400,
      json: { code: 'invalid', message: "unable to parse 'm,t= v=2': missing tag value" },
    });
    assert.equal(fake.points.length, before);
  });
  it('locks field types like InfluxDB (422 on conflict) and decodes gzip', async () => {
    assert.equal((await post('/api/v2/write?org=o&bucket=b', 'typed x=1i', auth)).status, 204);
    const conflict = await post('/api/v2/write?org=o&bucket=b', 'typed x=1.5', auth);
    assert.equal(conflict.status, 422);
    assert.match(conflict.json.message, /field type conflict/);
    const zipped = await post('/api/v2/write?org=o&bucket=b', gzipSync('zipped y="a b" 1'), {
      ...auth,
      'content-encoding': 'gzip',
    });
    assert.equal(zipped.status, 204);
    assert.deepEqual(fake.points.at(-1)?.fields, { y: { type: 'string', value: 'a b' } });
  });
  it('answers with injected faults until cleared', async () => {
    fake.setFault({ status: 500, times: 2 });
    assert.equal((await post('/api/v2/write?org=o&bucket=b', 'm v=1', auth)).status, 500);
    assert.equal((await post('/api/v2/write?org=o&bucket=b', 'm v=1', auth)).status, 500);
    assert.equal((await post('/api/v2/write?org=o&bucket=b', 'm v=1', auth)).status, 204);
  });
});

describe('fake InfluxDB v3 write_lp', () => {
  const bearer = { authorization: `Bearer ${TOKEN}` };
  it('stores the good lines of a partial write by default and lists the bad ones', async () => {
    const before = fake.points.length;
    const answer = await post('/api/v3/write_lp?db=d3&precision=nanosecond', 'm v=1 1\nbad\nm v=2 2', bearer);
    assert.equal(answer.status, 400);
    assert.deepEqual(answer.json, {
      error: 'partial write of line protocol occurred',
      data: [{ original_line: 'bad', line_number: 2, error_message: 'missing fields' }],
    });
    assert.equal(fake.points.length, before + 2);
    assert.ok(fake.databases.has('d3'));
  });
  it('auto-detects precision when none is given', async () => {
    assert.equal((await post('/api/v3/write_lp?db=d3', 'auto v=1 1700000000', bearer)).status, 204);
    assert.equal(fake.points.at(-1)?.timeNs, '1700000000000000000');
    assert.equal((await post('/api/v3/write_lp?db=d3&precision=ns', 'auto v=1 1', auth)).status, 401);
  });
});
