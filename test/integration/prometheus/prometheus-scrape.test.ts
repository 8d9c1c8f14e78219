/**
 * A real Prometheus scrapes the metrics server: the names, labels and values it stores
 * are the published ones, and a series removed from its scope disappears from Prometheus
 * (marked stale on the next scrape) instead of lingering.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type MetricsServer,
  startMetricsServer,
} from '../../../src/destinations/prometheus/metrics-server.ts';
import {
  createPrometheusSink,
  type PrometheusSink,
} from '../../../src/destinations/prometheus/prometheus-sink.ts';
import { createRecordingLogger } from '../../../src/logging/logger.ts';
import type { PromSample } from '../../../src/mapping/shapes.ts';
import {
  type PrometheusScrapeTarget,
  queryPrometheus,
  scrapeByPrometheus,
  uniqueName,
  waitFor,
} from '../../support/services.ts';

describe('Prometheus scraping the metrics server', () => {
  const log = createRecordingLogger();
  let sink: PrometheusSink;
  let server: MetricsServer;
  let hostPort: string;
  let scrape: PrometheusScrapeTarget | undefined;
  // A label value no other test process uses, to find our series in the shared Prometheus.
  const run = uniqueName('run');

  const session = (proxy: string, value: number): PromSample => ({
    name: 'butlersos_user_session_total',
    help: 'Number of sessions (as reported by the proxy service).',
    labels: {
      host: 'sense1.corp.local',
      server_name: 'sense1',
      server_description: 'Central node',
      run,
      user_session_virtual_proxy: proxy,
      user_session_host: 'sense1.corp.local:4243',
    },
    value,
  });

  before(async () => {
    sink = createPrometheusSink({ log });
    sink.publish('sessions:sense1', [session('/', 5), session('/hdr', 2)]);
    sink.publish('health:sense1', [
      {
        name: 'butlersos_mem_committed',
        help: 'The total amount of committed memory for the engine process in MB.',
        labels: { host: 'sense1.corp.local', server_name: 'sense1', server_description: 'Central node', run },
        value: 1234.5 * 1048576,
      },
    ]);
    server = await startMetricsServer({ host: '127.0.0.1', port: 0, sink, log });
    hostPort = `127.0.0.1:${server.port}`;
    scrape = await scrapeByPrometheus(hostPort, { suite: 'sinks-prometheus' });
  });

  after(async () => {
    await scrape?.remove();
    await server.close();
  });

  it('stores every published series with its labels and value', async () => {
    const sessions = await waitFor(
      async () => {
        const result = await queryPrometheus(`butlersos_user_session_total{run="${run}"}`);
        return result.length === 2 ? result : undefined;
      },
      20_000,
      250,
    );
    const byProxy = Object.fromEntries(sessions.map((s) => [s.metric.user_session_virtual_proxy, s]));
    assert.equal(byProxy['/']?.value[1], '5');
    assert.equal(byProxy['/hdr']?.value[1], '2');
    assert.equal(byProxy['/hdr']?.metric.user_session_host, 'sense1.corp.local:4243');
    assert.equal(byProxy['/hdr']?.metric.server_description, 'Central node');
    assert.equal(byProxy['/hdr']?.metric.instance, hostPort);

    const [memory] = await queryPrometheus(`butlersos_mem_committed{run="${run}"}`);
    assert.equal(Number(memory?.value[1]), 1234.5 * 1048576);
    // The default Node.js process metrics are on the same endpoint
    // (docs/reference/prometheus.md#process-metrics).
    const up = await queryPrometheus(`process_start_time_seconds{instance="${hostPort}"}`);
    assert.equal(up.length, 1);
  });

  it('drops a virtual proxy that disappeared from the next publish', async () => {
    sink.publish('sessions:sense1', [session('/', 6)]);
    const sessions = await waitFor(
      async () => {
        const result = await queryPrometheus(`butlersos_user_session_total{run="${run}"}`);
        return result.length === 1 && result[0]?.value[1] === '6' ? result : undefined;
      },
      20_000,
      250,
    );
    assert.equal(sessions[0]?.metric.user_session_virtual_proxy, '/');
  });
});
