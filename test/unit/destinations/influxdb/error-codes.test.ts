/**
 * The codes of the InfluxDB sink's errors (from the socket error, the HTTP status and
 * InfluxDB's answer), and provisioning again when the bucket vanished, decided by the code.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { provisionedInfluxSink } from '../../../../src/destinations/influxdb/provisioning.ts';
import { createInfluxSink, type InfluxSinkOptions } from '../../../../src/destinations/influxdb/sink.ts';
import { writeFailureCode } from '../../../../src/destinations/influxdb/write-errors.ts';
import { createRecordingLogger } from '../../../../src/logging/logger.ts';
import { deliveryErrorOf } from '../../../support/delivery-errors.ts';
import { type FakeInflux, startFakeInflux } from '../../../support/fake-influxdb.ts';

const TOKEN = 'secret-token-value-123';
const LINE = 'm,host=a v=1i 1700000000000000000';

function v2(fake: FakeInflux, more: Partial<InfluxSinkOptions> = {}): InfluxSinkOptions {
  return {
    version: 2,
    host: '127.0.0.1',
    port: fake.port,
    v2: { org: 'myorg', bucket: 'butler', token: TOKEN, retentionDuration: '1d' },
    timeoutMs: 2000,
    log: createRecordingLogger(),
    ...more,
  };
}

describe('writeFailureCode', () => {
  it('names a missing database, bucket or organisation, and codes other statuses as HTTP says', () => {
    assert.equal(writeFailureCode(404, '{"error":"database not found: \\"x\\""}'), 'database_not_found');
    assert.equal(
      writeFailureCode(404, '{"code":"not found","message":"bucket \\"b\\" not found"}'),
      'database_not_found',
    );
    assert.equal(
      writeFailureCode(404, '{"code":"not found","message":"organization name \\"o\\" not found"}'),
      'database_not_found',
    );
    assert.equal(writeFailureCode(404, '{"code":"not found","message":"path not found"}'), 'not_found');
    assert.equal(writeFailureCode(401, ''), 'auth');
    assert.equal(writeFailureCode(400, ''), 'bad_request');
    assert.equal(writeFailureCode(413, ''), 'too_large');
    assert.equal(writeFailureCode(429, ''), 'rate_limited');
    assert.equal(writeFailureCode(503, ''), 'server_error');
  });
});

describe('InfluxDB sink error codes', () => {
  let fake: FakeInflux;
  before(async () => {
    fake = await startFakeInflux({ token: TOKEN, org: 'myorg', buckets: ['butler'] });
  });
  after(() => fake.close());

  it('codes answers: auth, missing bucket, bad line protocol', async () => {
    const wrongToken = createInfluxSink(v2(fake, { v2: { org: 'myorg', bucket: 'butler', token: 'nope' } }));
    assert.equal((await deliveryErrorOf(wrongToken.write([LINE]))).code, 'auth');
    await wrongToken.close();
    const noBucket = createInfluxSink(v2(fake, { v2: { org: 'myorg', bucket: 'missing', token: TOKEN } }));
    assert.equal((await deliveryErrorOf(noBucket.write([LINE]))).code, 'database_not_found');
    await noBucket.close();
    const sink = createInfluxSink(v2(fake));
    assert.equal((await deliveryErrorOf(sink.write(['broken']))).code, 'bad_request');
    await sink.close();
  });

  it('codes a refused connection and a timeout, the two differently', async () => {
    const closed = await startFakeInflux({ token: TOKEN });
    const port = closed.port;
    await closed.close();
    const refused = createInfluxSink(v2(fake, { port }));
    const error = await deliveryErrorOf(refused.write([LINE]));
    assert.deepEqual([error.kind, error.code], ['retryable', 'refused']);
    await refused.close();
    const slow = createInfluxSink(v2(fake, { timeoutMs: 100 }));
    fake.setFault({ delayMs: 400, times: 1, pathPrefix: '/api/v2/write' });
    assert.equal((await deliveryErrorOf(slow.write([LINE]))).code, 'timeout');
    fake.setFault(undefined);
    await slow.close();
  });

  it('provisions again when the bucket vanished, and not for other failures', async () => {
    const sink = createInfluxSink(v2(fake));
    const provisioned = provisionedInfluxSink(sink, createRecordingLogger());
    const creations = () =>
      fake.requests.filter((r) => r.method === 'POST' && r.path === '/api/v2/buckets').length;
    await provisioned.write([LINE]);
    const before = creations();
    fake.setFault({ status: 503, times: 1, pathPrefix: '/api/v2/write' });
    assert.equal((await deliveryErrorOf(provisioned.write([LINE]))).code, 'server_error');
    await provisioned.write([LINE]);
    assert.equal(creations(), before, 'a 503 does not provision again');
    fake.buckets.delete('butler');
    assert.equal((await deliveryErrorOf(provisioned.write([LINE]))).code, 'database_not_found');
    await provisioned.write([LINE]);
    assert.equal(creations(), before + 1, 'the bucket was created again');
    assert.ok(fake.buckets.has('butler'));
    await sink.close();
  });
});
