import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startMetricsServer } from '../../../../src/destinations/prometheus/metrics-server.ts';
import { createPrometheusSink } from '../../../../src/destinations/prometheus/prometheus-sink.ts';
import { createRecordingLogger } from '../../../../src/logging/logger.ts';
import type { PromSample } from '../../../../src/mapping/shapes.ts';

const CALLS_HELP = 'Total number of requests made to the Qlik Sense engine.';
const serverLabels = (name: string, extra: Record<string, string> = {}) => ({
  host: `${name}.corp.local`,
  server_name: name,
  server_description: `Server ${name}`,
  ...extra,
});
const calls = (server: string, value: number, extra: Record<string, string> = {}): PromSample => ({
  name: 'butlersos_apps_calls',
  help: CALLS_HELP,
  labels: serverLabels(server, extra),
  value,
});

/** The sample lines of one metric in the exposition text. */
const linesOf = (text: string, name: string): string[] =>
  text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));

describe('Prometheus sink', () => {
  it('exposes the published samples with their names, labels, values and HELP', async () => {
    const sink = createPrometheusSink({ log: createRecordingLogger(), collectDefaultMetrics: false });
    sink.publish('server:sense1', [calls('sense1', 1234, { env: 'prod' })]);
    sink.publish('server:sense2', [calls('sense2', 5.5, { env: 'dev' })]);
    const text = await sink.metrics();
    assert.ok(
      text.includes(`# HELP butlersos_apps_calls ${CALLS_HELP}\n# TYPE butlersos_apps_calls gauge\n`),
    );
    assert.deepEqual(linesOf(text, 'butlersos_apps_calls'), [
      'butlersos_apps_calls{host="sense1.corp.local",server_name="sense1",server_description="Server sense1",env="prod"} 1234',
      'butlersos_apps_calls{host="sense2.corp.local",server_name="sense2",server_description="Server sense2",env="dev"} 5.5',
    ]);
  });

  it('replaces a scope: series that vanish from it vanish from the scrape', async () => {
    const sink = createPrometheusSink({ log: createRecordingLogger(), collectDefaultMetrics: false });
    const session = (proxy: string, value: number): PromSample => ({
      name: 'butlersos_user_session_total',
      help: 'Number of sessions (as reported by the proxy service).',
      labels: {
        ...serverLabels('sense1'),
        user_session_virtual_proxy: proxy,
        user_session_host: 'sense1:4243',
      },
      value,
    });
    sink.publish('sessions:sense1', [session('/', 3), session('/hdr', 2)]);
    assert.equal(linesOf(await sink.metrics(), 'butlersos_user_session_total').length, 2);
    sink.publish('sessions:sense1', [session('/', 4)]);
    const lines = linesOf(await sink.metrics(), 'butlersos_user_session_total');
    assert.equal(lines.length, 1);
    assert.match(lines[0] as string, /user_session_virtual_proxy="\/".* 4$/);

    // A new engine version replaces the old metadata series instead of adding one
    // (docs/reference/prometheus.md#staleness-and-expiry).
    const metadata = (version: string): PromSample => ({
      name: 'butlersos_engine_metadata',
      help: 'Metadata about the Qlik Sense engine.',
      labels: {
        ...serverLabels('sense1'),
        engine_started: '20240101T000000.000+0100',
        engine_version: version,
      },
      value: 1,
    });
    sink.publish('health:sense1', [metadata('12.1.0')]);
    sink.publish('health:sense1', [metadata('12.2.0')]);
    const meta = linesOf(await sink.metrics(), 'butlersos_engine_metadata');
    assert.equal(meta.length, 1);
    assert.match(meta[0] as string, /engine_version="12\.2\.0"/);

    sink.removeScope('health:sense1');
    const afterRemove = await sink.metrics();
    assert.deepEqual(linesOf(afterRemove, 'butlersos_engine_metadata'), []);
    assert.ok(afterRemove.includes('# TYPE butlersos_engine_metadata gauge'), 'HELP/TYPE stay');
  });

  it('expires scopes not refreshed in time when an expiry is set', async () => {
    let now = 1_000_000;
    const sink = createPrometheusSink({
      log: createRecordingLogger(),
      collectDefaultMetrics: false,
      scopeExpiryMs: 30_000,
      now: () => now,
    });
    sink.publish('server:sense1', [calls('sense1', 1)]);
    sink.publish('server:sense2', [calls('sense2', 2)]);
    now += 20_000;
    sink.publish('server:sense2', [calls('sense2', 3)]);
    now += 20_000;
    assert.deepEqual(sink.scopes(), ['server:sense2']);
    const lines = linesOf(await sink.metrics(), 'butlersos_apps_calls');
    assert.equal(lines.length, 1);
    assert.match(lines[0] as string, /server_name="sense2".* 3$/);
  });

  it('keeps declared order and prints HELP/TYPE for metrics without samples', async () => {
    const sink = createPrometheusSink({ log: createRecordingLogger(), collectDefaultMetrics: false });
    sink.declare([
      { name: 'butlersos_apps_calls', help: CALLS_HELP },
      {
        name: 'butlersos_apps_selections',
        help: 'Total number of selections made to the Qlik Sense engine.',
      },
    ]);
    sink.publish('s', [{ name: 'butlersos_apps_selections', help: 'x', labels: {}, value: 7 }]);
    const text = await sink.metrics();
    assert.ok(text.indexOf('# HELP butlersos_apps_calls') < text.indexOf('# HELP butlersos_apps_selections'));
    assert.deepEqual(linesOf(text, 'butlersos_apps_calls'), []);
    assert.deepEqual(linesOf(text, 'butlersos_apps_selections'), ['butlersos_apps_selections 7']);
  });

  it('refuses invalid samples with a logged reason, keeping the valid ones', async () => {
    const log = createRecordingLogger();
    const sink = createPrometheusSink({ log, collectDefaultMetrics: false });
    const result = sink.publish('s', [
      calls('sense1', 1),
      { name: 'bad-name', help: '', labels: {}, value: 1 },
      { name: 'butlersos_x', help: '', labels: { 'bad label': 'v' }, value: 1 },
      { name: 'butlersos_y', help: '', labels: {}, value: 'NaN' as unknown as number },
    ]);
    assert.deepEqual(result, { accepted: 1, rejected: 3 });
    assert.equal(log.lines.filter((l) => l.level === 'warn').length, 3);
    assert.equal(linesOf(await sink.metrics(), 'butlersos_apps_calls').length, 1);
  });

  it('exposes collectors of own metrics, counters included, and the default process metrics', async () => {
    const sink = createPrometheusSink({ log: createRecordingLogger() });
    let dropped = 0;
    const remove = sink.registerCollector(() => [
      {
        name: 'butlersos_delivery_dropped_total',
        help: 'Records dropped per sink and reason.',
        type: 'counter',
        labels: { sink: 'mqtt', reason: 'queue_full' },
        value: dropped,
      },
    ]);
    dropped = 3;
    let text = await sink.metrics();
    assert.ok(text.includes('# TYPE butlersos_delivery_dropped_total counter'));
    assert.deepEqual(linesOf(text, 'butlersos_delivery_dropped_total'), [
      'butlersos_delivery_dropped_total{sink="mqtt",reason="queue_full"} 3',
    ]);
    assert.ok(linesOf(text, 'process_cpu_user_seconds_total').length === 1);
    assert.ok(linesOf(text, 'nodejs_heap_size_used_bytes').length === 1);
    remove();
    text = await sink.metrics();
    assert.deepEqual(linesOf(text, 'butlersos_delivery_dropped_total'), []);
  });
});

describe('metrics server', () => {
  it('serves GET /metrics as Prometheus text, 404 elsewhere, and extra routes', async () => {
    const log = createRecordingLogger();
    const sink = createPrometheusSink({ log, collectDefaultMetrics: false });
    sink.publish('s', [calls('sense1', 42)]);
    const server = await startMetricsServer({
      host: '127.0.0.1',
      port: 0,
      sink,
      log,
      extraRoutes: (app) => {
        app.get('/health', async () => ({ status: 'ok' }));
      },
    });
    try {
      const response = await fetch(`${server.address}/metrics`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
      assert.equal(linesOf(await response.text(), 'butlersos_apps_calls').length, 1);
      assert.equal((await fetch(`${server.address}/other`)).status, 404);
      assert.deepEqual(await (await fetch(`${server.address}/health`)).json(), { status: 'ok' });
    } finally {
      await server.close();
    }
  });

  it('answers 500 when producing the text fails, and reports a port in use', async () => {
    const log = createRecordingLogger();
    const sink = createPrometheusSink({ log, collectDefaultMetrics: false });
    sink.metrics = async () => {
      throw new Error('boom');
    };
    const server = await startMetricsServer({ host: '127.0.0.1', port: 0, sink, log });
    try {
      assert.equal((await fetch(`${server.address}/metrics`)).status, 500);
      assert.ok(log.lines.some((l) => l.level === 'error'));
      await assert.rejects(
        startMetricsServer({ host: '127.0.0.1', port: server.port, sink, log }),
        // The message names the config key and the port, so the operator knows what to change.
        new RegExp(
          `^Error: PROMETHEUS: prometheus\\.port ${server.port} is already in use on 127\\.0\\.0\\.1 \\(EADDRINUSE\\)`,
        ),
      );
    } finally {
      await server.close();
    }
  });
});
