import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRecordingLogger } from '../../../src/logging/logger.ts';
import { evaluateHealth, startDockerHealthCheck } from '../../../src/ops/docker-health.ts';

test('GET /health is 200 with upstream body when healthy, 503 with reasons when not', async () => {
  const state = { running: true, configLoaded: true, sinks: [{ name: 'influxdb', failing: false }] };
  const log = createRecordingLogger();
  const server = await startDockerHealthCheck({
    host: '127.0.0.1',
    port: 0,
    check: () => evaluateHealth(state),
    log,
  });
  try {
    const url = `http://127.0.0.1:${server.port}/health`;
    let res = await fetch(url);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    assert.deepEqual(await res.json(), { statusCode: 200, status: 'ok' });
    assert.ok(
      log.lines.some((l) => l.message === `MAIN: Started Docker healthcheck server on port ${server.port}.`),
    );

    state.sinks[0]!.failing = true;
    res = await fetch(url);
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), {
      statusCode: 503,
      status: 'ko',
      reasons: ['all destinations failing: influxdb'],
    });

    res = await fetch(`http://127.0.0.1:${server.port}/other`);
    assert.equal(res.status, 404);
    await res.arrayBuffer();
  } finally {
    await server.close();
  }
});

test('a port already in use rejects with a clear message', async () => {
  const log = createRecordingLogger();
  const first = await startDockerHealthCheck({
    host: '127.0.0.1',
    port: 0,
    check: () => ({ healthy: true, reasons: [] }),
    log,
  });
  try {
    await assert.rejects(
      startDockerHealthCheck({
        host: '127.0.0.1',
        port: first.port,
        check: () => ({ healthy: true, reasons: [] }),
        log,
      }),
      /MAIN: Error while starting Docker health check server: .*dockerHealthCheck\.port \d+ is already in use/,
    );
  } finally {
    await first.close();
  }
});

test('healthy means running, config loaded and not every destination failing', () => {
  const ok = { running: true, configLoaded: true, sinks: [] };
  assert.deepEqual(evaluateHealth(ok), { healthy: true, reasons: [] });
  const someFailing = {
    ...ok,
    sinks: [
      { name: 'a', failing: true },
      { name: 'b', failing: false },
    ],
  };
  assert.equal(evaluateHealth(someFailing).healthy, true);
  const verdict = evaluateHealth({
    running: false,
    configLoaded: false,
    sinks: [{ name: 'mqtt', failing: true }],
  });
  assert.deepEqual(verdict.reasons, ['shutting down', 'config not loaded', 'all destinations failing: mqtt']);
});
