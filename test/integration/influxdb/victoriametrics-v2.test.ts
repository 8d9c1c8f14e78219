/**
 * VictoriaMetrics (Debian `victoria-metrics`) accepts InfluxDB line protocol on
 * `/api/v2/write`: the v2 sink's requests (org/bucket/precision parameters, Token header,
 * gzip bodies) must be accepted as they are and the numeric fields stored.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeLine } from '../../../src/destinations/influxdb/line-protocol.ts';
import { createInfluxSink } from '../../../src/destinations/influxdb/sink.ts';
import { createRecordingLogger } from '../../../src/logging/logger.ts';
import { flushVictoriaMetrics, sharedServices, uniqueName, waitFor } from '../../support/services.ts';

describe('InfluxDB v2 sink against VictoriaMetrics', () => {
  it('writes batches VictoriaMetrics accepts and stores as measurement_field series', async () => {
    const { victoriametricsUrl } = sharedServices();
    const { hostname, port } = new URL(victoriametricsUrl);
    const sink = createInfluxSink({
      version: 2,
      host: hostname,
      port: Number(port),
      v2: { org: 'myorg', bucket: 'butler', token: 'any-token' },
      timeoutMs: 5000,
      log: createRecordingLogger(),
    });
    const measurement = uniqueName('vm_mem');
    const now = Date.now() - 1000;
    const lines = Array.from({ length: 40 }, (_, i) =>
      encodeLine({
        measurement,
        tags: { host: 'sense1.corp.local', server_description: 'Central node', unused: '' },
        fields: {
          free: { type: 'float', value: 12345.5 + i },
          calls: { type: 'uint', value: 1000 + i },
          version: { type: 'string', value: '12.1306.6.0' },
        },
        timeMs: now - (39 - i) * 1000,
      }),
    );
    await sink.write(lines); // > 1000 bytes: sent gzipped
    await flushVictoriaMetrics(victoriametricsUrl);

    const exported = await waitFor(async () => {
      const url = new URL('/api/v1/export', victoriametricsUrl);
      url.searchParams.set('match[]', `{__name__=~"${measurement}_.*"}`);
      const text = await (await fetch(url)).text();
      const series = text
        .trim()
        .split('\n')
        .filter(Boolean)
        .map(
          (l) => JSON.parse(l) as { metric: Record<string, string>; values: number[]; timestamps: number[] },
        );
      // VictoriaMetrics 1.79 also keeps a series for the string field, with value 0.
      const numeric = series.filter((s) => !s.metric.__name__?.endsWith('_version'));
      return numeric.length === 2 && numeric.every((s) => s.values.length === 40) ? numeric : undefined;
    });
    const byName = Object.fromEntries(exported.map((s) => [s.metric.__name__, s]));
    const free = byName[`${measurement}_free`]!;
    const calls = byName[`${measurement}_calls`]!;
    assert.equal(free.metric.host, 'sense1.corp.local');
    assert.equal(free.metric.server_description, 'Central node');
    assert.equal(free.metric.unused, undefined);
    assert.deepEqual(
      free.values,
      lines.map((_, i) => 12345.5 + i),
    );
    assert.deepEqual(
      calls.values,
      lines.map((_, i) => 1000 + i),
    );
    assert.equal(free.timestamps[0], now - 39_000);
    await sink.close();
  });
});
