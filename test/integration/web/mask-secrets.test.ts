import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MASK, maskSecrets, scrubText } from '../../../src/web/mask-secrets.ts';

describe('defensive secret masker of the web UI', () => {
  test('masks every value under credential-like key names, at any depth, keeping structure and nulls', () => {
    const input = {
      a: {
        password: 'p1',
        dbPassword: 'p2',
        passwd: 'p3',
        pwd: 'p4',
        clientSecret: 'p5',
        token: 'p6',
        apiToken: 'p7',
        insertApiKey: 'p8',
        'api-key': 'p9',
        access_key: 'p10',
        clientCertPassphrase: '',
        private_key: 'p11',
        nested: { tokens: ['t1', { x: 't2' }, null], emptyPassword: null },
      },
      keep: { user: 'alice', port: 8086, enable: true, host: 'influx.corp', dbName: 'senseops' },
    };
    const out = maskSecrets(input) as typeof input;
    assert.deepEqual(out, {
      a: {
        password: MASK,
        dbPassword: MASK,
        passwd: MASK,
        pwd: MASK,
        clientSecret: MASK,
        token: MASK,
        apiToken: MASK,
        insertApiKey: MASK,
        'api-key': MASK,
        access_key: MASK,
        clientCertPassphrase: MASK,
        private_key: MASK,
        nested: { tokens: [MASK, { x: MASK }, null], emptyPassword: null },
      },
      keep: input.keep,
    });
    // The input is not touched.
    assert.equal(input.a.password, 'p1');
  });

  test('masks header values in both header shapes, keeping header names', () => {
    const out = maskSecrets({
      newRelic: {
        metric: { header: [{ name: 'Api-Key', value: 'NRAK-1' }] },
        event: { header: [{ name: 'X-Other', value: 'v' }] },
      },
      servers: [
        { headers: { 'X-Qlik-User': 'UserDirectory=Internal;UserId=sa', Authorization: 'Bearer x' } },
      ],
      nullHeaders: { headers: null },
    });
    assert.deepEqual(out, {
      newRelic: {
        metric: { header: [{ name: 'Api-Key', value: MASK }] },
        event: { header: [{ name: 'X-Other', value: MASK }] },
      },
      servers: [{ headers: { 'X-Qlik-User': MASK, Authorization: MASK } }],
      nullHeaders: { headers: null },
    });
  });

  test('removes passwords from URLs in any string, also in free text such as error messages', () => {
    assert.equal(
      scrubText('POST http://butler:s3cret@influx:8086/write failed'),
      `POST http://butler:${MASK}@influx:8086/write failed`,
    );
    assert.equal(scrubText('mqtt://user:pw@broker:1883'), `mqtt://user:${MASK}@broker:1883`);
    assert.equal(scrubText('https://host/path?a=b'), 'https://host/path?a=b');
    assert.deepEqual(maskSecrets({ lastError: { message: 'GET https://u:p@h/x' } }), {
      lastError: { message: `GET https://u:${MASK}@h/x` },
    });
  });

  test('never throws: odd values pass through and cycles are cut', () => {
    const cyclic: Record<string, unknown> = { name: 'x' };
    cyclic.self = cyclic;
    assert.deepEqual(maskSecrets(cyclic), { name: 'x', self: '[circular]' });
    assert.equal(maskSecrets(undefined), undefined);
    assert.equal(maskSecrets(42), 42);
    assert.deepEqual(maskSecrets([1, 'a', null, { token: 5 }]), [1, 'a', null, { token: MASK }]);
    // A shared (non-cyclic) object referenced twice is masked in both places.
    const shared = { password: 'p' };
    assert.deepEqual(maskSecrets({ a: shared, b: shared }), { a: { password: MASK }, b: { password: MASK } });
  });
});
