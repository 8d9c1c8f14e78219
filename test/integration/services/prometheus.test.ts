import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import {
  addPrometheusScrapeTarget,
  queryPrometheus,
  removePrometheusScrapeTarget,
  uniqueName,
  waitFor,
} from '../../support/services.ts';

test('Prometheus scrapes a target added through the targets folder', async () => {
  const metric = uniqueName('roundtrip_value');
  const value = Math.round(Math.random() * 1000);
  let scrapes = 0;
  const server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    scrapes++;
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    response.end(`# TYPE ${metric} gauge\n${metric}{source="test"} ${value}\n`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const hostPort = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await addPrometheusScrapeTarget(hostPort, { suite: 'services' });
    const result = await waitFor(async () => {
      const samples = await queryPrometheus(metric);
      return samples.length > 0 ? samples : undefined;
    }, 30_000);
    assert.equal(result.length, 1);
    assert.equal(result[0]?.value[1], String(value));
    assert.equal(result[0]?.metric.instance, hostPort);
    assert.equal(result[0]?.metric.suite, 'services');
    assert.equal(result[0]?.metric.source, 'test');
    assert.ok(scrapes >= 1);
  } finally {
    await removePrometheusScrapeTarget(hostPort);
    server.close();
  }
});
