/**
 * TLS and basic auth from one web config file (Prometheus exporter-toolkit format) on every HTTP
 * endpoint: /metrics (the Node.js metrics endpoint is the same server), the web UI and its API,
 * and the Docker health endpoint when it is bound beyond loopback. Real HTTPS with certificates
 * from the simulator's CA; bcrypt hashes made with the same library an operator would use.
 * Also: client certificates (RequireAndVerifyClientCert), the web UI's refusal to start beyond
 * loopback without auth, and web config files that cannot be used failing with their key named.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hashSync } from 'bcryptjs';
import { parse } from 'yaml';
import { type CertificatePaths, ensureCertificates } from '../../../sim/certs.ts';
import { startMetricsServer } from '../../../src/destinations/prometheus/metrics-server.ts';
import { createPrometheusSink } from '../../../src/destinations/prometheus/prometheus-sink.ts';
import { type HttpSecurity, loadHttpSecurity } from '../../../src/http-security/security.ts';
import { WebConfigError } from '../../../src/http-security/web-config.ts';
import { createRecordingLogger } from '../../../src/logging/logger.ts';
import { startDockerHealthCheck } from '../../../src/ops/docker-health.ts';
import { startWebServer } from '../../../src/web/server.ts';

const dir = mkdtempSync(join(tmpdir(), 'tls-auth-test-'));
const PASSWORD = 'correct horse battery staple';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function get(url: string, options: https.RequestOptions = {}): Promise<Answer> {
  const client = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.get(url, { ...options, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

async function securityFrom(name: string, webConfig: string): Promise<HttpSecurity> {
  const file = join(dir, name);
  writeFileSync(file, webConfig);
  return loadHttpSecurity(
    { webConfigFile: file, allowedHosts: [], rateLimitPerMinute: 600 },
    (p) => p,
    parse,
  );
}

describe('TLS and basic auth from the web config file', () => {
  let certs: CertificatePaths;
  let ca: Buffer;
  let security: HttpSecurity;
  const log = createRecordingLogger();

  before(async () => {
    certs = await ensureCertificates(join(dir, 'certs'), { dnsNames: [], ipAddresses: [] });
    ca = readFileSync(certs.clientCertCA);
    security = await securityFrom(
      'web-config.yml',
      `tls_server_config:\n  cert_file: ${certs.serverCert}\n  key_file: ${certs.serverKey}\n` +
        `basic_auth_users:\n  prometheus: ${hashSync(PASSWORD, 4)}\n`,
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('/metrics: HTTPS only, the right user gets in, no or wrong credentials get 401', async () => {
    const metrics = await startMetricsServer({
      host: '127.0.0.1',
      port: 0,
      sink: createPrometheusSink({ log, collectDefaultMetrics: false }),
      security,
      log,
    });
    try {
      assert.match(metrics.address, /^https:\/\/127\.0\.0\.1:\d+$/);
      const url = `${metrics.address}/metrics`;
      const ok = await get(url, { ca, headers: { authorization: basic('prometheus', PASSWORD) } });
      assert.equal(ok.status, 200, ok.body);
      const none = await get(url, { ca });
      assert.equal(none.status, 401);
      assert.match(String(none.headers['www-authenticate']), /^Basic realm=/);
      assert.equal(
        (await get(url, { ca, headers: { authorization: basic('prometheus', 'guess') } })).status,
        401,
      );
      assert.equal((await get(url, { ca, headers: { authorization: basic('root', PASSWORD) } })).status, 401);
      // Plain HTTP on the TLS port gets no metrics.
      const plain = await get(url.replace('https:', 'http:')).catch((error: Error) => error);
      assert.ok(plain instanceof Error || plain.status !== 200, 'plain HTTP must not be served');
      // An untrusted server certificate is refused by a verifying client: TLS is real.
      await assert.rejects(get(url, { headers: { authorization: basic('prometheus', PASSWORD) } }));
    } finally {
      await metrics.close();
    }
  });

  test('web UI and API: the same users; without them 401, even for the config', async () => {
    const web = await startWebServer({
      port: 0,
      getConfigView: () => ({ 'Butler-SOS': { logLevel: 'info' } }),
      getStatus: () => ({ version: 'test' }),
      security,
      log,
    });
    try {
      assert.match(web.address, /^https:/);
      for (const path of ['/api/config', '/api/status', '/']) {
        assert.equal((await get(`${web.address}${path}`, { ca })).status, 401, path);
        const ok = await get(`${web.address}${path}`, {
          ca,
          headers: { authorization: basic('prometheus', PASSWORD) },
        });
        assert.equal(ok.status, 200, `${path}: ${ok.body.slice(0, 200)}`);
      }
    } finally {
      await web.close();
    }
  });

  test('the web UI refuses to start beyond loopback without basic auth', async () => {
    await assert.rejects(
      startWebServer({ host: '0.0.0.0', port: 0, getStatus: () => ({ version: 'test' }), log }),
      /WEB UI: webUi\.host 0\.0\.0\.0 is reachable beyond this machine and no basic auth is configured.*allowRemoteWithoutAuth/,
    );
  });

  test('Docker health: plain on loopback for the container probe, TLS and auth beyond it', async () => {
    const check = () => ({ healthy: true, reasons: [] });
    const local = await startDockerHealthCheck({ host: '127.0.0.1', port: 0, check, security, log });
    const wide = await startDockerHealthCheck({ host: '0.0.0.0', port: 0, check, security, log });
    try {
      assert.equal((await get(`http://127.0.0.1:${local.port}/health`)).status, 200);
      const url = `https://127.0.0.1:${wide.port}/health`;
      assert.equal((await get(url, { ca })).status, 401);
      assert.equal(
        (await get(url, { ca, headers: { authorization: basic('prometheus', PASSWORD) } })).status,
        200,
      );
    } finally {
      await local.close();
      await wide.close();
    }
  });

  test('client certificates: RequireAndVerifyClientCert refuses a client without one', async () => {
    const mtls = await securityFrom(
      'mtls.yml',
      `tls_server_config:\n  cert_file: ${certs.serverCert}\n  key_file: ${certs.serverKey}\n` +
        `  client_ca_file: ${certs.clientCertCA}\n  client_auth_type: RequireAndVerifyClientCert\n`,
    );
    const metrics = await startMetricsServer({
      host: '127.0.0.1',
      port: 0,
      sink: createPrometheusSink({ log, collectDefaultMetrics: false }),
      security: mtls,
      log,
    });
    try {
      const url = `${metrics.address}/metrics`;
      await assert.rejects(get(url, { ca }));
      const ok = await get(url, {
        ca,
        cert: readFileSync(certs.clientCert),
        key: readFileSync(certs.clientCertKey),
      });
      assert.equal(ok.status, 200);
    } finally {
      await metrics.close();
    }
  });

  test('a web config that cannot be used fails with the file and key named', async () => {
    const problems = async (name: string, text: string) => {
      try {
        await securityFrom(name, text);
      } catch (error) {
        assert.ok(error instanceof WebConfigError, String(error));
        return error.message;
      }
      assert.fail('expected a WebConfigError');
    };
    assert.match(
      await problems(
        'mismatch.yml',
        `tls_server_config:\n  cert_file: ${certs.serverCert}\n  key_file: ${certs.clientCertKey}\n`,
      ),
      /mismatch\.yml: tls_server_config: the certificate, key or client CA cannot be used/,
    );
    assert.match(
      await problems(
        'zero.yml',
        `tls_server_config:\n  cert_file: /dev/zero\n  key_file: ${certs.serverKey}\n`,
      ),
      /tls_server_config\.cert_file \/dev\/zero is not a regular file/,
    );
    assert.match(
      await problems('plain.yml', 'basic_auth_users:\n  admin: secret\n'),
      /basic_auth_users\.admin is not a bcrypt hash/,
    );
    assert.doesNotMatch(await problems('plain2.yml', 'basic_auth_users:\n  admin: secret\n'), /secret/);
  });
});
