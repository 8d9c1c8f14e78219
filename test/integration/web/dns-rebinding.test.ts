/**
 * DNS rebinding: a web page the operator visits points its own name at 127.0.0.1 and reads the
 * agent's endpoints as if they were its own origin; the browser still sends the page's name in
 * the Host header. The loopback-bound servers must refuse such names and keep answering their
 * own (localhost, loopback addresses) and those configured in httpSecurity.allowedHosts.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { startMetricsServer } from '../../../src/destinations/prometheus/metrics-server.ts';
import { createPrometheusSink } from '../../../src/destinations/prometheus/prometheus-sink.ts';
import { createRecordingLogger } from '../../../src/logging/logger.ts';
import { startWebServer, type WebServer } from '../../../src/web/server.ts';

/** GET with a chosen Host header (fetch does not let a caller set it). */
function getWithHost(port: number, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

describe('Host allow-list against DNS rebinding', () => {
  let web: WebServer;
  let metrics: { port: number; close(): Promise<void> };
  const log = createRecordingLogger();

  before(async () => {
    web = await startWebServer({
      port: 0,
      getConfigView: () => ({ 'Butler-SOS': { logLevel: 'info' } }),
      getStatus: () => ({ version: 'test' }),
      log,
    });
    metrics = await startMetricsServer({
      host: '127.0.0.1',
      port: 0,
      sink: createPrometheusSink({ log }),
      log,
    });
  });
  after(async () => {
    await web.close();
    await metrics.close();
  });

  test('the web UI refuses a foreign Host name on /api/config, /api/status and the pages', async () => {
    for (const path of ['/api/config', '/api/status', '/', '/delivery']) {
      const answer = await getWithHost(web.port, path, `rebind.attacker.example:${web.port}`);
      assert.equal(answer.status, 403, `${path}: ${answer.status}`);
      assert.doesNotMatch(answer.body, /logLevel/);
    }
  });

  test('/metrics refuses a foreign Host name too', async () => {
    const answer = await getWithHost(metrics.port, '/metrics', `rebind.attacker.example:${metrics.port}`);
    assert.equal(answer.status, 403);
  });

  test('localhost, loopback addresses and this machine keep working', async () => {
    for (const host of [`localhost:${web.port}`, `127.0.0.1:${web.port}`, `[::1]:${web.port}`, 'localhost']) {
      const answer = await getWithHost(web.port, '/api/config', host);
      assert.equal(answer.status, 200, host);
      assert.match(answer.body, /logLevel/);
    }
  });
});
