import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { groupSeries, type RwSample } from '../../../../src/destinations/remote-write/series.ts';
import {
  compressBody,
  encodeWriteRequest,
  sampleValueOf,
} from '../../../../src/destinations/remote-write/wire.ts';
import { decodeWriteRequest, STALE_BITS } from '../../../support/remote-write.ts';

const policy = { defaults: { job: 'butler-sos', instance: 'agent-1', site: 'oslo' }, forced: {} };

describe('remote write on the wire', () => {
  test('a batch becomes one series per label set, labels sorted by name, samples in time order', () => {
    const batch: RwSample[] = [
      { n: 'butlersos_cpu_total', l: { host: 'sense1', server_name: 'one' }, v: 12.5, t: 2000 },
      { n: 'butlersos_cpu_total', l: { host: 'sense2', server_name: 'two' }, v: 3, t: 1000 },
      { n: 'butlersos_cpu_total', l: { server_name: 'one', host: 'sense1' }, v: 11, t: 1000 },
    ];
    const series = decodeWriteRequest(compressBody(encodeWriteRequest(groupSeries(batch, policy))));
    assert.equal(series.length, 2);
    const one = series.find((s) => s.labels.host === 'sense1');
    assert.deepEqual(one?.order, ['__name__', 'host', 'instance', 'job', 'server_name', 'site']);
    assert.deepEqual(one?.labels, {
      __name__: 'butlersos_cpu_total',
      host: 'sense1',
      instance: 'agent-1',
      job: 'butler-sos',
      server_name: 'one',
      site: 'oslo',
    });
    assert.deepEqual(
      one?.samples.map((s) => [s.timeMs, s.value]),
      [
        [1000, 11],
        [2000, 12.5],
      ],
    );
  });

  test("a series' own label wins over a default label; forced labels win over both; empty values are left out", () => {
    const batch: RwSample[] = [{ n: 'm', l: { instance: 'own', cluster: 'tag', empty: '' }, v: 1, t: 1 }];
    const forced = { defaults: policy.defaults, forced: { cluster: 'pair', __replica__: 'a' } };
    const [series] = decodeWriteRequest(compressBody(encodeWriteRequest(groupSeries(batch, forced))));
    assert.deepEqual(series?.labels, {
      __name__: 'm',
      __replica__: 'a',
      cluster: 'pair',
      instance: 'own',
      job: 'butler-sos',
      site: 'oslo',
    });
  });

  test('non-finite values survive the spool (JSON) and reach the wire; stale is the staleness NaN', () => {
    const values = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY].map(sampleValueOf);
    assert.deepEqual(JSON.parse(JSON.stringify(values)), ['NaN', '+Inf', '-Inf']);
    const batch: RwSample[] = [...values, 'stale' as const, -0.25].map((v, i) => ({
      n: 'm',
      l: {},
      v,
      t: i,
    }));
    const [series] = decodeWriteRequest(compressBody(encodeWriteRequest(groupSeries(batch, policy))));
    const got = series?.samples ?? [];
    assert.ok(Number.isNaN(got[0]?.value));
    assert.notEqual(got[0]?.bits, STALE_BITS);
    assert.equal(got[1]?.value, Number.POSITIVE_INFINITY);
    assert.equal(got[2]?.value, Number.NEGATIVE_INFINITY);
    assert.equal(got[3]?.bits, STALE_BITS);
    assert.equal(got[4]?.value, -0.25);
  });

  test('timestamps are whole milliseconds, also far from 1970', () => {
    const t = Date.UTC(2031, 5, 1, 12, 0, 0, 123);
    const [series] = decodeWriteRequest(
      compressBody(encodeWriteRequest(groupSeries([{ n: 'm', l: {}, v: 1, t }], policy))),
    );
    assert.equal(series?.samples[0]?.timeMs, t);
  });

  test('an empty batch is an empty request', () => {
    assert.deepEqual(decodeWriteRequest(compressBody(encodeWriteRequest([]))), []);
  });
});
